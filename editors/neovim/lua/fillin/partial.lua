--- Taking a suggestion piece by piece: how much "accept word" and "accept line" take, and
--- inserting a piece at the cursor.
---
--- The cut functions work on the rest of the suggestion (what is still shown as ghost text)
--- and return a prefix of it, so accepting piece by piece always ends with the whole
--- suggestion. Text is inserted as it is, never replayed as keys, so auto-indent and
--- auto-pairs cannot change it.

local M = {}

--- Leading whitespace (newlines included) and then one word or one run of punctuation.
function M.next_word(rest)
  local space, after = rest:match('^(%s*)(.*)$')
  local word = after:match('^[%w_\128-\255]+') or after:match('^[^%w_%s\128-\255]+') or ''
  return space .. word
end

--- The rest of the current line; at a line's end, the newline and the whole next line.
function M.next_line(rest)
  if rest:sub(1, 1) == '\n' then
    return '\n' .. (rest:sub(2):match('^[^\n]*'))
  end
  return rest:match('^[^\n]*')
end

--- Insert `text` at the cursor of the current window, replacing the `delete_after` bytes
--- that follow it, and leave the cursor after the inserted text.
function M.insert_at_cursor(text, delete_after)
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  local lines = vim.split(text, '\n', { plain = true })
  vim.api.nvim_buf_set_text(0, row - 1, col, row - 1, col + (delete_after or 0), lines)
  local end_col = #lines == 1 and col + #lines[1] or #lines[#lines]
  vim.api.nvim_win_set_cursor(0, { row + #lines - 1, end_col })
end

return M
