--- Starting `fillin serve` for a buffer, finding its client, and talking to it.
---
--- One client runs per workspace root (the nearest directory holding a root marker);
--- `vim.lsp.start` reuses it for every buffer under that root. The server's settings go as
--- initializationOptions and as the `fillin` section that `workspace/configuration` and
--- `workspace/didChangeConfiguration` carry. The small wrappers here hide the difference
--- between Neovim 0.10's `client.request(...)` and 0.11's `client:request(...)`.

local M = {}

M.NAME = 'fillin'

local has_011 = vim.fn.has('nvim-0.11') == 1

--- A copy of `settings` whose empty tables are JSON objects (`{}`), not arrays (`[]`), since
--- the server expects an object for every section.
function M.as_json_object(settings)
  if type(settings) ~= 'table' then
    return settings
  end
  if next(settings) == nil then
    return vim.empty_dict()
  end
  local copy = {}
  for key, value in pairs(settings) do
    copy[key] = (type(value) == 'table' and not vim.islist(value)) and M.as_json_object(value)
      or (type(value) == 'table' and next(value) == nil) and vim.empty_dict()
      or value
  end
  return copy
end

--- Whether `dir` may be a workspace root: never `/` or the home directory (or above it),
--- which would crawl everything the user owns. The server refuses those too.
function M.is_acceptable_root(dir)
  if dir == nil or dir == '' then
    return false
  end
  local real = vim.uv.fs_realpath(dir) or dir
  local home = vim.uv.fs_realpath(vim.uv.os_homedir() or '') or vim.uv.os_homedir()
  if real == '/' or vim.fs.dirname(real) == real then
    return false
  end
  return not (home and (real == home or vim.startswith(home, real .. '/')))
end

--- The workspace root of a buffer: the nearest folder with a root marker, else the file's
--- folder; nil (a single-file session) when that would be `/` or the home directory.
function M.root_for(bufnr, path, markers)
  local root = vim.fs.root(bufnr, markers)
  if not M.is_acceptable_root(root) then
    root = vim.fs.dirname(path)
  end
  return M.is_acceptable_root(root) and root or nil
end

--- Start (or reuse) the client for `bufnr`; returns its id, or nil for a buffer without a file.
function M.start(bufnr, options, command)
  if vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == '' then
    return nil
  end
  local root = M.root_for(bufnr, path, options.root_markers)
  local capabilities = vim.tbl_deep_extend('force', vim.lsp.protocol.make_client_capabilities(), {
    textDocument = { inlineCompletion = { dynamicRegistration = false } },
    -- The plugin reports the cursor (lua/fillin/cursor.lua), so the server leaves warm-ups
    -- on open to it: it knows which buffers the user turned off.
    experimental = require('fillin.cursor').CAPABILITY,
  })
  local settings = require('fillin.config').server_settings(options)
  return vim.lsp.start({
    name = M.NAME,
    cmd = command,
    root_dir = root,
    capabilities = capabilities,
    init_options = M.as_json_object(settings),
    settings = { fillin = M.as_json_object(settings) },
    handlers = M.handlers,
  }, { bufnr = bufnr })
end

--- The backend's state per client id from `fillin/status`: nil (working), or
--- `{ message = ..., backend = ... }` from the last error until the next success.
M.backend_errors = {}

--- The last `window/logMessage` lines of every fillin client, oldest first (`:FillinLog`).
M.log = {}
local MAX_LOG_LINES = 2000
local LOG_LEVELS = { 'ERROR', 'WARN', 'INFO', 'LOG' }

M.handlers = {
  ['fillin/status'] = function(_, params, ctx)
    if type(params) ~= 'table' then
      return
    end
    if params.state == 'error' then
      M.backend_errors[ctx.client_id] = { message = params.message, backend = params.backend }
    else
      M.backend_errors[ctx.client_id] = nil
    end
    vim.cmd.redrawstatus()
  end,
  ['window/logMessage'] = function(err, params, ctx)
    if type(params) == 'table' and type(params.message) == 'string' then
      local level = LOG_LEVELS[params.type] or 'LOG'
      for _, line in ipairs(vim.split(params.message, '\n', { plain = true })) do
        table.insert(M.log, ('[%s] %s'):format(level, line))
      end
      while #M.log > MAX_LOG_LINES do
        table.remove(M.log, 1)
      end
    end
    return vim.lsp.handlers['window/logMessage'](err, params, ctx)
  end,
}

--- The fillin client attached to `bufnr`, or nil.
function M.client_for(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = M.NAME })[1]
end

--- Send a request; returns the request id, or nil when the client is gone.
function M.request(client, method, params, handler, bufnr)
  local ok, request_id
  if has_011 then
    ok, request_id = client:request(method, params, handler, bufnr)
  else
    ok, request_id = client.request(method, params, handler, bufnr)
  end
  return ok and request_id or nil
end

--- Cancel a request sent with `request`.
function M.cancel(client, request_id)
  if has_011 then
    client:cancel_request(request_id)
  else
    client.cancel_request(request_id)
  end
end

--- Stop a client (its server exits).
function M.stop(client)
  if has_011 then
    client:stop()
  else
    client.stop()
  end
end

--- Send a notification.
function M.notify(client, method, params)
  if has_011 then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

--- Run an LSP command the server put on an item, through the client's usual path.
function M.exec_cmd(client, command, bufnr)
  if has_011 then
    client:exec_cmd(command, { bufnr = bufnr })
  else
    client._exec_cmd(command, { bufnr = bufnr })
  end
end

--- The byte column of LSP `character` in `line` under the client's position encoding.
function M.byte_col(line, character, encoding)
  if encoding == 'utf-8' then
    return math.min(character, #line)
  end
  local ok, col
  if has_011 then
    ok, col = pcall(vim.str_byteindex, line, encoding, character, false)
  else
    ok, col = pcall(vim.str_byteindex, line, character, encoding == 'utf-16')
  end
  return ok and col or #line
end

return M
