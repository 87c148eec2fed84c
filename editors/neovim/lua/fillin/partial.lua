--- How much of a suggestion "accept word" and "accept line" take.
---
--- Both work on the rest of the suggestion (what is still shown as ghost text) and return a
--- prefix of it, so accepting piece by piece always ends with the whole suggestion.

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

return M
