--- Ghost text for Neovim 0.10 and 0.11: fillin's own inline completion UI.
---
--- While typing in insert mode it asks the server for `textDocument/inlineCompletion` after a
--- debounce (or at once on the trigger key), cancels the request it no longer needs, drops
--- answers that arrive after the buffer or cursor moved on, and shows the first item as
--- extmarks: inline virtual text for the rest of the cursor's line, virtual lines below for
--- the other lines. Typing what the suggestion predicted keeps it on screen (shortened);
--- typing anything else, leaving insert mode or dismissing clears it.
---
--- Accepting inserts text directly at the cursor (no key replay, so no auto-indent or
--- auto-pairs get in the way): everything, the next word, or the next line. The text an item
--- replaces after the cursor (its range's end, e.g. a closing bracket) is replaced only when
--- everything is accepted.
---
--- With `hide_during_completion`, the ghost text is hidden while a completion menu is open
--- (the popup menu, nvim-cmp's or blink.cmp's) and the accept keys do what they did before;
--- it comes back when the menu closes, if it still fits.

local server = require('fillin.server')
local partial = require('fillin.partial')
local suggestions = require('fillin.suggestions')

local api = vim.api
local M = {}

M.namespace = api.nvim_create_namespace('fillin.ghost')

local INVOKED, AUTOMATIC = 1, 2

local state = {
  options = nil,
  enabled = true,
  timer = nil,
  pending = nil, -- { client = ..., id = request_id }
  current = nil, -- { bufnr, client_id, items, index }
  client_id = nil, -- the client whose items the tracker reports
  last_latency_ms = nil,
  last_error = nil,
  hidden = false, -- the current item is kept but not drawn while a completion menu is open
}

local tracker = suggestions.new(function(method, params)
  local client = state.client_id and vim.lsp.get_client_by_id(state.client_id)
  if client then
    server.notify(client, method, params)
  end
end)

--- The tracker that reports this engine's suggestions (also used by the accept command).
M.tracker = tracker

local function is_insert_mode()
  return api.nvim_get_mode().mode:sub(1, 1) == 'i'
end

local function cursor()
  local row, col = unpack(api.nvim_win_get_cursor(0))
  return row - 1, col
end

local function clear_marks(bufnr)
  if api.nvim_buf_is_valid(bufnr) then
    api.nvim_buf_clear_namespace(bufnr, M.namespace, 0, -1)
  end
end

local function cancel_pending()
  local pending = state.pending
  state.pending = nil
  if pending then
    server.cancel(pending.client, pending.id)
  end
end

--- The text of the current item still to insert at the cursor, or nil when it no longer fits.
local function rest_of(current)
  if current == nil or current.bufnr ~= api.nvim_get_current_buf() then
    return nil
  end
  local item = current.items[current.index]
  local row, col = cursor()
  if row < item.start_row or (row == item.start_row and col < item.start_col) then
    return nil
  end
  -- The buffer may have changed under the item (lines deleted): then it no longer fits.
  local ok, typed_lines =
    pcall(api.nvim_buf_get_text, current.bufnr, item.start_row, item.start_col, row, col, {})
  local typed = ok and table.concat(typed_lines, '\n') or nil
  if typed == nil or #typed >= #item.text or item.text:sub(1, #typed) ~= typed then
    return nil
  end
  return item.text:sub(#typed + 1)
end

--- Whether a completion menu is open: Neovim's popup menu, nvim-cmp's or blink.cmp's.
function M.is_menu_visible()
  if vim.fn.pumvisible() == 1 then
    return true
  end
  local cmp = package.loaded['cmp']
  if cmp and type(cmp.visible) == 'function' and cmp.visible() then
    return true
  end
  local blink = package.loaded['blink.cmp']
  return blink ~= nil and type(blink.is_visible) == 'function' and blink.is_visible() == true
end

--- The text still to insert of the item on screen (nil while hidden behind a menu).
local function shown_rest(current)
  if state.hidden then
    return nil
  end
  return rest_of(current)
end

local function render(current, rest)
  local item = current.items[current.index]
  clear_marks(current.bufnr)
  state.hidden = state.options.hide_during_completion and M.is_menu_visible()
  if state.hidden then
    return
  end
  local row, col = cursor()
  local lines = vim.split(rest, '\n', { plain = true })
  local first = lines[1]
  local line = api.nvim_buf_get_lines(current.bufnr, row, row + 1, true)[1]
  -- Text the item replaces after the cursor (say, a closing bracket) is already on screen:
  -- leave it out of the ghost text of a one-line suggestion so it does not show twice.
  local is_tail_on_screen = item.tail ~= '' and line:sub(col + 1, col + #item.tail) == item.tail
  if #lines == 1 and is_tail_on_screen and vim.endswith(first, item.tail) then
    first = first:sub(1, #first - #item.tail)
  end
  local hl = state.options.hl_group
  local virt_lines = {}
  for idx = 2, #lines do
    virt_lines[#virt_lines + 1] = { { lines[idx], hl } }
  end
  api.nvim_buf_set_extmark(current.bufnr, M.namespace, row, col, {
    virt_text = { { first, hl } },
    virt_text_pos = 'inline',
    virt_lines = #virt_lines > 0 and virt_lines or nil,
    hl_mode = 'combine',
  })
  tracker:show(item.id, item.text)
end

--- Remove the ghost text; what was shown and not accepted counts as dismissed.
local function clear()
  local current = state.current
  state.current = nil
  state.hidden = false
  tracker:finish()
  if current then
    clear_marks(current.bufnr)
  end
end

local function to_item(raw, bufnr, client, row, col)
  local text = raw.insertText
  if type(text) == 'table' then
    text = text.value
  end
  if type(text) ~= 'string' or text == '' then
    return nil
  end
  local item = {
    text = text,
    id = suggestions.id_of(raw.command),
    command = raw.command,
    tail = '',
  }
  if raw.range then
    local start, finish = raw.range.start, raw.range['end']
    local start_line = api.nvim_buf_get_lines(bufnr, start.line, start.line + 1, false)[1] or ''
    local end_line = api.nvim_buf_get_lines(bufnr, finish.line, finish.line + 1, false)[1] or ''
    item.start_row = start.line
    item.start_col = server.byte_col(start_line, start.character, client.offset_encoding)
    local end_col = server.byte_col(end_line, finish.character, client.offset_encoding)
    if finish.line == row and end_col > col then
      item.tail = end_line:sub(col + 1, end_col)
    end
  else
    item.start_row, item.start_col = row, col
  end
  return item
end

local function present(bufnr, client, result, row, col)
  local items = {}
  for _, raw in ipairs(result and (result.items or result) or {}) do
    local item = to_item(raw, bufnr, client, row, col)
    if item then
      items[#items + 1] = item
    end
  end
  clear()
  if #items == 0 then
    return
  end
  local current = { bufnr = bufnr, client_id = client.id, items = items, index = 1 }
  local rest = rest_of(current)
  if rest then
    state.current = current
    state.client_id = client.id
    render(current, rest)
  end
end

--- Ask for suggestions at the cursor now (`trigger_kind` 1: invoked, 2: automatic).
function M.request(trigger_kind)
  cancel_pending()
  local bufnr = api.nvim_get_current_buf()
  local client = server.client_for(bufnr)
  if client == nil or not state.enabled or not is_insert_mode() then
    return
  end
  if not require('fillin.config').is_enabled_for(state.options, bufnr) then
    return
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = trigger_kind or INVOKED }
  local tick = api.nvim_buf_get_changedtick(bufnr)
  local row, col = cursor()
  local started = vim.uv.hrtime()
  local request_id
  request_id = server.request(client, 'textDocument/inlineCompletion', params, function(err, result)
    if state.pending == nil or state.pending.id ~= request_id then
      return
    end
    state.pending = nil
    if err then
      state.last_error = err.message or tostring(err)
      vim.cmd.redrawstatus()
      return
    end
    state.last_latency_ms = (vim.uv.hrtime() - started) / 1e6
    state.last_error = nil
    -- The status line shows the latency; Neovim does not redraw it after a reply on its own.
    vim.cmd.redrawstatus()
    local now_row, now_col = cursor()
    local is_stale = api.nvim_get_current_buf() ~= bufnr
      or api.nvim_buf_get_changedtick(bufnr) ~= tick
      or now_row ~= row
      or now_col ~= col
      or not is_insert_mode()
    if not is_stale then
      present(bufnr, client, result, row, col)
    end
  end, bufnr)
  if request_id then
    state.pending = { client = client, id = request_id }
  end
end

--- Ask again after the debounce; a newer call restarts the wait.
function M.schedule()
  if not (state.enabled and state.options.auto_trigger) then
    return
  end
  state.timer = state.timer or vim.uv.new_timer()
  state.timer:stop()
  state.timer:start(state.options.debounce_ms, 0, vim.schedule_wrap(function()
    M.request(AUTOMATIC)
  end))
end

--- The buffer changed or the cursor moved: keep the suggestion if it still fits, else ask again.
function M.on_change()
  local rest = rest_of(state.current)
  if rest then
    render(state.current, rest)
    return
  end
  clear()
  cancel_pending()
  M.schedule()
end

--- Stop everything for now (leaving insert mode or the buffer).
function M.stop()
  if state.timer then
    state.timer:stop()
  end
  cancel_pending()
  clear()
end

--- The text still to insert if a suggestion is on screen, else nil.
function M.visible()
  return shown_rest(state.current)
end

--- Accept all of the suggestion; returns false when none is shown.
function M.accept()
  local current = state.current
  local rest = shown_rest(current)
  if rest == nil then
    return false
  end
  local item = current.items[current.index]
  local row, col = cursor()
  local line = api.nvim_buf_get_lines(current.bufnr, row, row + 1, true)[1]
  local is_tail_there = item.tail ~= '' and line:sub(col + 1, col + #item.tail) == item.tail
  local delete_after = is_tail_there and #item.tail or 0
  state.current = nil
  clear_marks(current.bufnr)
  partial.insert_at_cursor(rest, delete_after)
  tracker:accept(item.id)
  if item.command and item.command.command ~= suggestions.ACCEPT_COMMAND then
    local client = vim.lsp.get_client_by_id(current.client_id)
    if client then
      server.exec_cmd(client, item.command, current.bufnr)
    end
  end
  return true
end

local function accept_piece(cut)
  local current = state.current
  local rest = shown_rest(current)
  if rest == nil then
    return false
  end
  local piece = cut(rest)
  if piece == '' or piece == rest then
    return M.accept()
  end
  partial.insert_at_cursor(piece, 0)
  tracker:accept_part(piece)
  local left = rest_of(current)
  if left then
    render(current, left)
  end
  return true
end

--- Accept the next word of the suggestion; returns false when none is shown.
function M.accept_word()
  return accept_piece(partial.next_word)
end

--- Accept the rest of the line (or the next line); returns false when none is shown.
function M.accept_line()
  return accept_piece(partial.next_line)
end

--- Hide the suggestion without accepting it; returns false when none is shown.
function M.dismiss()
  if shown_rest(state.current) == nil then
    return false
  end
  cancel_pending()
  clear()
  return true
end

--- Show the next (`step` 1) or previous (-1) candidate; asks for suggestions when none is shown.
function M.cycle(step)
  local current = state.current
  if shown_rest(current) == nil then
    M.request(INVOKED)
    return
  end
  local n = #current.items
  for _ = 1, n do
    current.index = (current.index - 1 + step) % n + 1
    local rest = rest_of(current)
    if rest then
      render(current, rest)
      return
    end
  end
end

--- Turn automatic and manual suggestions on or off; returns the new state.
function M.set_enabled(enabled)
  state.enabled = enabled
  if not enabled then
    M.stop()
  end
  return enabled
end

function M.is_enabled()
  return state.enabled
end

--- Latency of the last answer (ms) and the last request error, for the status line.
function M.last()
  return state.last_latency_ms, state.last_error
end

--- A completion menu opened or closed: hide the ghost text, or draw it again if it still fits.
function M.on_menu(is_open)
  local current = state.current
  if current == nil or not state.options.hide_during_completion then
    return
  end
  if is_open then
    clear_marks(current.bufnr)
    state.hidden = true
  else
    state.hidden = false
    local rest = rest_of(current)
    if rest then
      render(current, rest)
    end
  end
end

local is_watching_menus = false

--- Follow the popup menu, and nvim-cmp's and blink.cmp's menus when they are loaded.
local function watch_menus()
  if is_watching_menus then
    return
  end
  is_watching_menus = true
  local group = api.nvim_create_augroup('fillin.ghost.menus', { clear = true })
  api.nvim_create_autocmd('CompleteChanged', {
    group = group,
    callback = function()
      M.on_menu(true)
    end,
  })
  api.nvim_create_autocmd('CompleteDone', {
    group = group,
    callback = vim.schedule_wrap(function()
      M.on_menu(M.is_menu_visible())
    end),
  })
  api.nvim_create_autocmd('User', {
    group = group,
    pattern = { 'BlinkCmpMenuOpen', 'BlinkCmpMenuClose' },
    callback = function(args)
      M.on_menu(args.match == 'BlinkCmpMenuOpen')
    end,
  })
  local ok, cmp = pcall(require, 'cmp')
  if ok and type(cmp) == 'table' and cmp.event then
    cmp.event:on('menu_opened', function()
      M.on_menu(true)
    end)
    cmp.event:on('menu_closed', vim.schedule_wrap(function()
      M.on_menu(false)
    end))
  end
end

--- Attach to a buffer the fillin client serves.
function M.attach(bufnr, options)
  state.options = options
  watch_menus()
  local group = api.nvim_create_augroup('fillin.ghost.' .. bufnr, { clear = true })
  api.nvim_create_autocmd('InsertEnter', { group = group, buffer = bufnr, callback = M.schedule })
  api.nvim_create_autocmd({ 'TextChangedI', 'CursorMovedI' }, {
    group = group,
    buffer = bufnr,
    callback = M.on_change,
  })
  api.nvim_create_autocmd({ 'InsertLeave', 'BufLeave' }, {
    group = group,
    buffer = bufnr,
    callback = M.stop,
  })
  if is_insert_mode() and api.nvim_get_current_buf() == bufnr then
    M.schedule()
  end
end

--- Detach from a buffer (its client stopped).
function M.detach(bufnr)
  pcall(api.nvim_del_augroup_by_name, 'fillin.ghost.' .. bufnr)
  if state.current and state.current.bufnr == bufnr then
    M.stop()
  end
  tracker:reset()
end

return M
