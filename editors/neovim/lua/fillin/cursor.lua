--- `fillin/didChangeCursor`: tells the server where the cursor rests, so that it evaluates
--- that position's prompt into the model server's cache before the first suggestion is asked
--- for (LSP itself never says where the cursor is).
---
--- A report goes out `DEBOUNCE_MS` after the cursor stops moving in normal mode, and after a
--- buffer is entered, Neovim gains focus or the client attaches. Insert mode sends none: the
--- requests that typing makes tell the server already. Whether the buffer may be warmed
--- (`is_wanted`: suggestions on, `vim.b.fillin_enabled`, `disabled_filetypes`, `auto_trigger`)
--- is asked when the report is about to go out, so a buffer turned off in the meantime sends
--- nothing. The same place is not reported twice in a row, unless the buffer is entered again.

local server = require('fillin.server')

local api = vim.api
local M = {}

M.METHOD = 'fillin/didChangeCursor'
--- Longer than Neovim's own debounce of `didChange` (150 ms), so the server has the
--- version that the report names.
M.DEBOUNCE_MS = 200
--- What the client declares in `capabilities.experimental`.
M.CAPABILITY = { fillin = { didChangeCursor = true } }

local timers = {} -- bufnr -> uv timer
local last_sent = {} -- bufnr -> the last params sent, as JSON

--- The LSP character of byte column `col` in `line`, in the client's position encoding.
local function character_of(line, col, encoding)
  col = math.min(col, #line)
  if encoding == 'utf-8' then
    return col
  end
  if vim.fn.has('nvim-0.11') == 1 then
    local ok, index = pcall(vim.str_utfindex, line, encoding, col, false)
    return ok and index or col
  end
  local ok, utf32, utf16 = pcall(vim.str_utfindex, line, col)
  if not ok then
    return col
  end
  return encoding == 'utf-16' and utf16 or utf32
end

--- The params of the report for `bufnr`, from the current window's cursor; nil when the
--- buffer is not the current one.
function M.params_for(client, bufnr)
  if api.nvim_get_current_buf() ~= bufnr then
    return nil
  end
  local row, col = unpack(api.nvim_win_get_cursor(0))
  local line = api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1] or ''
  local version = vim.lsp.util.buf_versions[bufnr] or vim.b[bufnr].changedtick
  return {
    textDocument = { uri = vim.uri_from_bufnr(bufnr), version = version },
    position = { line = row - 1, character = character_of(line, col, client.offset_encoding) },
  }
end

local function send(bufnr, is_wanted)
  local client = server.client_for(bufnr)
  if client == nil or not api.nvim_buf_is_valid(bufnr) or not is_wanted(bufnr) then
    return
  end
  local params = M.params_for(client, bufnr)
  if params == nil then
    return
  end
  local key = vim.json.encode(params)
  if key == last_sent[bufnr] then
    return
  end
  last_sent[bufnr] = key
  server.notify(client, M.METHOD, params)
end

--- Report the cursor of `bufnr` once it has rested `DEBOUNCE_MS`.
function M.schedule(bufnr, is_wanted)
  local timer = timers[bufnr]
  if timer == nil then
    timer = vim.uv.new_timer()
    timers[bufnr] = timer
  end
  timer:stop()
  timer:start(M.DEBOUNCE_MS, 0, vim.schedule_wrap(function()
    send(bufnr, is_wanted)
  end))
end

--- Report `bufnr`'s cursor on moves, on entering it, on focus, and now (it was just opened).
function M.attach(bufnr, is_wanted)
  local group = api.nvim_create_augroup('fillin.cursor.' .. bufnr, { clear = true })
  api.nvim_create_autocmd('CursorMoved', {
    group = group,
    buffer = bufnr,
    callback = function()
      M.schedule(bufnr, is_wanted)
    end,
  })
  api.nvim_create_autocmd({ 'BufEnter', 'FocusGained' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      last_sent[bufnr] = nil
      M.schedule(bufnr, is_wanted)
    end,
  })
  api.nvim_create_autocmd('InsertEnter', {
    group = group,
    buffer = bufnr,
    callback = function()
      if timers[bufnr] then
        timers[bufnr]:stop()
      end
    end,
  })
  last_sent[bufnr] = nil
  M.schedule(bufnr, is_wanted)
end

--- Stop reporting `bufnr` (its client stopped).
function M.detach(bufnr)
  pcall(api.nvim_del_augroup_by_name, 'fillin.cursor.' .. bufnr)
  local timer = timers[bufnr]
  if timer then
    timer:stop()
    timer:close()
    timers[bufnr] = nil
  end
  last_sent[bufnr] = nil
end

return M
