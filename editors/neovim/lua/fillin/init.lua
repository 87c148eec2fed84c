--- fillin for Neovim: repository-aware AI code completion from the fillin language server.
---
--- `require("fillin").setup({...})` starts `fillin serve` (with `vim.lsp.start`) for buffers
--- of the configured filetypes, one client per workspace root, and shows its suggestions as
--- ghost text: with fillin's own extmarks (lua/fillin/ghost.lua) on every version, or through
--- Neovim 0.12's built-in `vim.lsp.inline_completion` with `native = true`. The insert-mode keys accept
--- all, a word or a line, dismiss, cycle and trigger; each falls back to the key's usual
--- meaning when no suggestion is shown. See editors/neovim/README.md.

local config = require('fillin.config')
local server = require('fillin.server')
local suggestions = require('fillin.suggestions')

local api = vim.api
local M = {}

local options = nil
local engine = nil
local progress = {} -- client id -> { title, message, percentage }

local function notify_problems(problems)
  if #problems > 0 then
    vim.notify('fillin: ' .. table.concat(problems, '\nfillin: '), vim.log.levels.WARN)
  end
end

local function require_setup()
  if options == nil then
    vim.notify('fillin: call require("fillin").setup() first', vim.log.levels.ERROR)
    return false
  end
  return true
end

--- Map `lhs` in insert mode to `action`; when `action` returns false, the key does what it
--- did before (its earlier mapping, or its built-in meaning).
local function map(lhs, action, desc)
  if not lhs then
    return
  end
  local previous = vim.fn.maparg(lhs, 'i', false, true)
  if (previous.desc or ''):match('^fillin: ') then
    -- Our own mapping from an earlier setup(): replace it, falling back to the key itself.
    previous = {}
  end
  vim.keymap.set('i', lhs, function()
    if action() ~= false then
      return
    end
    if previous.callback then
      local keys = previous.callback()
      if previous.expr == 1 and type(keys) == 'string' and keys ~= '' then
        local replace = previous.replace_keycodes == 1
        local typed = replace and api.nvim_replace_termcodes(keys, true, false, true) or keys
        api.nvim_feedkeys(typed, 'n', false)
      end
    elseif previous.rhs and previous.rhs ~= '' then
      local typed = api.nvim_replace_termcodes(previous.rhs, true, false, true)
      api.nvim_feedkeys(typed, previous.noremap == 1 and 'n' or 'm', false)
    else
      api.nvim_feedkeys(api.nvim_replace_termcodes(lhs, true, false, true), 'n', false)
    end
  end, { desc = 'fillin: ' .. desc, silent = true })
end

local function set_keymaps(keys)
  map(keys.accept, M.accept, 'accept the suggestion')
  map(keys.accept_word, M.accept_word, 'accept the next word of the suggestion')
  map(keys.accept_line, M.accept_line, 'accept the next line of the suggestion')
  map(keys.dismiss, M.dismiss, 'dismiss the suggestion')
  map(keys.next, function()
    engine.cycle(1)
  end, 'next suggestion')
  map(keys.prev, function()
    engine.cycle(-1)
  end, 'previous suggestion')
  map(keys.trigger, function()
    engine.request(1)
  end, 'suggest now')
end

local function on_attach(args)
  local client = vim.lsp.get_client_by_id(args.data.client_id)
  if client and client.name == server.NAME then
    engine.attach(args.buf, options)
    require('fillin.cursor').attach(args.buf, function(bufnr)
      return engine.is_enabled()
        and options.auto_trigger ~= false
        and config.is_enabled_for(options, bufnr)
    end)
  end
end

--- Start fillin with `user_options` (see editors/neovim/README.md for every key).
function M.setup(user_options)
  local problems
  options, problems = config.resolve(user_options)
  notify_problems(problems)
  local native = require('fillin.native')
  local is_native = options.native ~= false and native.is_available()
  if is_native and not native.supports(options) then
    notify_problems({ 'native: auto_trigger = false needs fillin\'s own ghost text; using it' })
    is_native = false
  end
  engine = is_native and native or require('fillin.ghost')
  api.nvim_set_hl(0, 'FillinGhostText', { link = 'Comment', default = true })

  -- Neovim runs an item's command after inserting it: 0.12's inline completion does, and so
  -- do completion menus for `textDocument/completion` items, which carry the same command.
  vim.lsp.commands[suggestions.ACCEPT_COMMAND] = function(command, ctx)
    local id = suggestions.id_of(command)
    if engine.tracker:knows(id) then
      engine.tracker:accept(id)
      return
    end
    local client = id and ctx and ctx.client_id and vim.lsp.get_client_by_id(ctx.client_id)
    if client then
      server.notify(client, suggestions.DID_ACCEPT, { id = id })
    end
  end

  local group = api.nvim_create_augroup('fillin', { clear = true })
  local command = config.command(options, 'serve')
  api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = options.filetypes,
    callback = function(args)
      server.start(args.buf, options, command)
    end,
  })
  api.nvim_create_autocmd('LspAttach', { group = group, callback = on_attach })
  api.nvim_create_autocmd('LspDetach', {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == server.NAME then
        engine.detach(args.buf)
        require('fillin.cursor').detach(args.buf)
      end
    end,
  })
  api.nvim_create_autocmd('LspProgress', {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      local value = args.data.params and args.data.params.value
      if not (client and client.name == server.NAME and type(value) == 'table') then
        return
      end
      if value.kind == 'end' then
        progress[client.id] = nil
      else
        local previous = progress[client.id] or {}
        progress[client.id] = {
          title = value.title or previous.title or 'working',
          message = value.message or previous.message,
          percentage = value.percentage or previous.percentage,
        }
      end
      vim.cmd.redrawstatus()
    end,
  })
  set_keymaps(options.keymaps)

  -- Buffers opened before setup() ran (for example the file named on the command line).
  for _, bufnr in ipairs(api.nvim_list_bufs()) do
    local is_served = vim.tbl_contains(options.filetypes, vim.bo[bufnr].filetype)
    if api.nvim_buf_is_loaded(bufnr) and is_served then
      server.start(bufnr, options, command)
    end
  end
end

--- Accept all of the suggestion; returns false when none is shown.
function M.accept()
  return engine ~= nil and engine.accept()
end

--- Accept the next word of the suggestion; returns false when none is shown.
function M.accept_word()
  return engine ~= nil and engine.accept_word()
end

--- Accept the next line of the suggestion; returns false when none is shown.
function M.accept_line()
  return engine ~= nil and engine.accept_line()
end

--- Hide the suggestion; returns false when none is shown.
function M.dismiss()
  return engine ~= nil and engine.dismiss()
end

--- Ask for a suggestion at the cursor now.
function M.trigger()
  if require_setup() then
    engine.request(1)
  end
end

--- The text a suggestion would still insert, or nil when none is shown (fillin's own UI).
function M.visible()
  return engine and engine.visible()
end

--- Turn suggestions on or off (`:FillinToggle`); returns whether they are on.
function M.toggle()
  if not require_setup() then
    return false
  end
  local enabled = engine.set_enabled(not engine.is_enabled())
  vim.notify('fillin: suggestions ' .. (enabled and 'on' or 'off'), vim.log.levels.INFO)
  return enabled
end

--- A short status for the statusline: model state, indexing progress, last latency, errors.
function M.status()
  if engine == nil then
    return ''
  end
  local client = server.client_for(api.nvim_get_current_buf())
  if client == nil then
    return ''
  end
  local current = progress[client.id]
  if current then
    local detail = current.percentage and (' ' .. current.percentage .. '%')
      or (current.message and (': ' .. current.message) or '')
    return 'fillin: ' .. current.title:lower() .. detail
  end
  local backend_error = server.backend_errors[client.id]
  if backend_error then
    -- Shown until the next success, with the reason and the fix the server names.
    return 'fillin: error: ' .. backend_error.message
  end
  local latency_ms, err = engine.last()
  if err then
    return 'fillin: error'
  end
  if not engine.is_enabled() then
    return 'fillin: off'
  end
  return latency_ms and ('fillin %d ms'):format(latency_ms) or 'fillin'
end

function M.context()
  if require_setup() then
    require('fillin.commands').context()
  end
end

function M.stats()
  if require_setup() then
    require('fillin.commands').stats(options)
  end
end

function M.generate()
  if require_setup() then
    require('fillin.commands').generate()
  end
end

--- Install the private server (`:FillinInstall [checkout or wheel]`); see lua/fillin/install.lua.
function M.install(source, opts, on_done)
  require('fillin.install').install(source, opts, on_done)
end

--- Show the server's log messages of this session in a scratch buffer (`:FillinLog`).
function M.log()
  require('fillin.commands').log()
end

--- Stop every fillin server and start them again for the open buffers (`:FillinRestart`),
--- for example after :FillinInstall or an update.
function M.restart()
  if not require_setup() then
    return
  end
  local clients = vim.lsp.get_clients({ name = server.NAME })
  for _, client in ipairs(clients) do
    server.backend_errors[client.id] = nil
    server.stop(client)
  end
  local command = config.command(options, 'serve')
  vim.wait(5000, function()
    return #vim.lsp.get_clients({ name = server.NAME }) == 0
  end, 50)
  for _, bufnr in ipairs(api.nvim_list_bufs()) do
    local is_served = vim.tbl_contains(options.filetypes, vim.bo[bufnr].filetype)
    if api.nvim_buf_is_loaded(bufnr) and is_served then
      server.start(bufnr, options, command)
    end
  end
end

--- The options in force (after setup), for `:checkhealth fillin`.
function M.options()
  return options
end

--- The engine in use: "native" (vim.lsp.inline_completion) or "ghost" (fillin's extmarks).
function M.engine_name()
  if engine == nil then
    return nil
  end
  return engine == require('fillin.native') and 'native' or 'ghost'
end

return M
