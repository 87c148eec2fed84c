--- Neovim 0.12+: suggestions through the built-in `vim.lsp.inline_completion`.
---
--- Neovim requests, shows and cycles the items itself; this module enables it for fillin's
--- buffers and adds what it lacks: accepting a word or a line (through `get`'s `on_accept`,
--- inserting a piece at the cursor), dismissing, turning suggestions off, and the accept
--- notification (the item's `fillin.didAccept` command runs after Neovim inserts it). Neovim
--- does not say when it shows or drops an item, so this path sends no show or dismiss
--- notifications; fillin's own ghost text (`native = false`, the default) sends all three.
---
--- What Neovim decides on this path: when to ask (it asks while typing, with its own pause:
--- `debounce_ms` does not apply, and `auto_trigger = false` cannot be honoured, so setup()
--- keeps fillin's ghost text then). `hl_group` is honoured by linking Neovim's `ComplHint`
--- group to it. The trigger key cannot ask on this path (`get()` only accepts), so it says
--- so once instead of accepting. `status()` gets its latency from the `LspRequest` events of
--- fillin's inline completion requests.

local partial = require('fillin.partial')
local server = require('fillin.server')
local suggestions = require('fillin.suggestions')

local api = vim.api
local M = {}

local enabled = true
local client_id = nil
local started = {} -- request id -> hrtime when fillin's inline completion request was sent
local last_latency_ms = nil
local has_warned_trigger = false

--- Reports accepted items to the client that made them.
M.tracker = suggestions.new(function(method, params)
  local client = client_id and vim.lsp.get_client_by_id(client_id)
  if client then
    server.notify(client, method, params)
  end
end)

--- Whether this Neovim has the built-in inline completion UI.
function M.is_available()
  return vim.fn.has('nvim-0.12') == 1 and vim.lsp.inline_completion ~= nil
end

local function text_of(item)
  local text = item.insert_text
  if type(text) == 'table' then
    text = text.value
  end
  return type(text) == 'string' and text or ''
end

--- The (0-based row, byte column) where an item's range starts, in the shapes Neovim has
--- used for it (`{row, col, end_row, end_col}` or a range object), or nil.
local function range_start(item)
  local range = item.range
  if type(range) ~= 'table' then
    return nil
  end
  if type(range[1]) == 'number' and type(range[2]) == 'number' then
    return range[1], range[2]
  end
  local start = range.start
  if type(start) == 'table' then
    return start.row or start[1], start.col or start[2]
  end
  if type(range.start_row) == 'number' then
    return range.start_row, range.start_col
  end
  return nil
end

--- The part of the item's text not yet typed before the cursor.
local function rest_after_typed(item)
  local text = text_of(item)
  local cursor_row, col = unpack(api.nvim_win_get_cursor(0))
  local before = api.nvim_get_current_line():sub(1, col)
  local row, start_col = range_start(item)
  if row == cursor_row - 1 and type(start_col) == 'number' and start_col <= col then
    local typed = before:sub(start_col + 1)
    return vim.startswith(text, typed) and text:sub(#typed + 1) or text
  end
  -- Without a usable range, the longest overlap of the line and the text counts as typed.
  for n = math.min(#text, #before), 1, -1 do
    if before:sub(-n) == text:sub(1, n) then
      return text:sub(n + 1)
    end
  end
  return text
end

--- Remember the length of an item about to be accepted, for its `fillin.didAccept` command.
local function remembering(item)
  local id = suggestions.id_of(item.command)
  local client = item.client_id == nil and server.client_for(0) or nil
  client_id = item.client_id or (client and client.id)
  if id then
    M.tracker:show(id, text_of(item))
  end
  return item
end

--- Accept all of the shown item; returns false when none is shown.
function M.accept()
  return vim.lsp.inline_completion.get({ on_accept = remembering }) == true
end

local function accept_piece(cut)
  return vim.lsp.inline_completion.get({
    on_accept = function(item)
      local rest = rest_after_typed(item)
      local piece = cut(rest)
      if piece == rest then
        return remembering(item)
      end
      remembering(item)
      M.tracker:accept_part(piece)
      partial.insert_at_cursor(piece, 0)
      return nil
    end,
  }) == true
end

function M.accept_word()
  return accept_piece(partial.next_word)
end

function M.accept_line()
  return accept_piece(partial.next_line)
end

--- Hide the shown item: `get` with a handler that inserts nothing.
function M.dismiss()
  return vim.lsp.inline_completion.get({
    on_accept = function()
      return nil
    end,
  }) == true
end

function M.cycle(step)
  vim.lsp.inline_completion.select({ count = step })
end

function M.request()
  if not has_warned_trigger then
    has_warned_trigger = true
    vim.notify(
      'fillin: Neovim 0.12 asks for suggestions by itself; the trigger key needs native = false',
      vim.log.levels.INFO
    )
  end
end

function M.visible()
  return nil
end

function M.set_enabled(value)
  enabled = value
  for _, client in ipairs(vim.lsp.get_clients({ name = server.NAME })) do
    vim.lsp.inline_completion.enable(value, { client_id = client.id })
  end
  return value
end

function M.is_enabled()
  return enabled
end

function M.last()
  return last_latency_ms, nil
end

--- Whether the options can be honoured on this path (see the module's comment).
function M.supports(options)
  return options.auto_trigger ~= false
end

local is_watching = false

--- Measure fillin's inline completion requests for `status()`.
local function watch_requests()
  if is_watching then
    return
  end
  is_watching = true
  api.nvim_create_autocmd('LspRequest', {
    group = api.nvim_create_augroup('fillin.native', { clear = true }),
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      local request = args.data.request or {}
      if not (client and client.name == server.NAME) then
        return
      end
      if request.method ~= 'textDocument/inlineCompletion' then
        return
      end
      local id = args.data.request_id
      if request.type == 'pending' then
        started[id] = vim.uv.hrtime()
      elseif started[id] then
        if request.type == 'complete' then
          last_latency_ms = (vim.uv.hrtime() - started[id]) / 1e6
          vim.cmd.redrawstatus()
        end
        started[id] = nil
      end
    end,
  })
end

function M.attach(bufnr, options)
  watch_requests()
  if options and options.hl_group then
    api.nvim_set_hl(0, 'ComplHint', { link = options.hl_group })
  end
  local is_wanted = options == nil or require('fillin.config').is_enabled_for(options, bufnr)
  vim.lsp.inline_completion.enable(enabled and is_wanted, { bufnr = bufnr })
end

function M.detach() end

function M.stop() end

return M
