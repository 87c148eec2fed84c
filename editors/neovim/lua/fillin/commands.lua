--- The user commands: `:FillinContext`, `:FillinStats`, `:FillinGenerate`, `:FillinLog`.
---
--- Each shows its result in a read-only scratch buffer in a split (`fillin://context`,
--- `fillin://stats`) or applies an edit, and reports a missing server or a failure with
--- `vim.notify`, saying what to do.

local server = require('fillin.server')

local api = vim.api
local M = {}

local function notify(message, level)
  vim.notify('fillin: ' .. message, level or vim.log.levels.ERROR)
end

--- Show `lines` in a read-only scratch buffer named `name`, reusing its window if open.
local function show(name, lines, filetype)
  local bufnr = vim.fn.bufnr(name)
  if bufnr == -1 then
    bufnr = api.nvim_create_buf(false, true)
    api.nvim_buf_set_name(bufnr, name)
    vim.bo[bufnr].bufhidden = 'wipe'
  end
  vim.bo[bufnr].modifiable = true
  api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  vim.bo[bufnr].filetype = filetype
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    vim.cmd('botright vsplit')
    api.nvim_win_set_buf(0, bufnr)
  else
    api.nvim_set_current_win(win)
  end
  return bufnr
end

local function fence(text)
  local longest = 2
  for run in text:gmatch('`+') do
    longest = math.max(longest, #run)
  end
  local mark = string.rep('`', longest + 1)
  local lines = { mark }
  vim.list_extend(lines, vim.split(text:gsub('\n$', ''), '\n', { plain = true }))
  table.insert(lines, mark)
  return lines
end

--- The Markdown lines for a `fillin/context` result at `where` ("path:line:col").
function M.context_lines(result, where)
  local lines = { '# fillin context for ' .. where, '' }
  local is_report = type(result) == 'table'
    and type(result.prompt) == 'string'
    and type(result.sections) == 'table'
  if not is_report then
    table.insert(lines, '```json')
    vim.list_extend(lines, vim.split(vim.json.encode(result), '\n', { plain = true }))
    table.insert(lines, '```')
    return lines
  end
  table.insert(lines, ('%d of %d prompt tokens, assembled in %.1f ms.'):format(
    result.tokensUsed or 0,
    result.budgetTokens or 0,
    result.elapsedMs or 0
  ))
  vim.list_extend(lines, { '', ('## Repository context (%d)'):format(#result.sections), '' })
  if #result.sections == 0 then
    vim.list_extend(lines, { 'None: the prompt holds only the code around the cursor.', '' })
  end
  for _, section in ipairs(result.sections) do
    table.insert(lines, ('### %s: %s:%d-%d (%d tokens)'):format(
      section.source,
      section.path,
      section.startLine,
      section.endLine,
      section.tokens
    ))
    table.insert(lines, '')
    vim.list_extend(lines, fence(section.text))
    table.insert(lines, '')
  end
  vim.list_extend(lines, { '## Prompt', '' })
  vim.list_extend(lines, fence(result.prompt))
  return lines
end

--- `:FillinContext`: the prompt fillin would send for the cursor, and its repository context.
function M.context()
  local bufnr = api.nvim_get_current_buf()
  local client = server.client_for(bufnr)
  if client == nil then
    return notify('no fillin server for this buffer; open a file of a supported filetype')
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local cursor = api.nvim_win_get_cursor(0)
  local path = vim.fn.fnamemodify(api.nvim_buf_get_name(bufnr), ':~:.')
  local where = ('%s:%d:%d'):format(path, cursor[1], cursor[2] + 1)
  server.request(client, 'fillin/context', params, function(err, result)
    if err then
      return notify('fillin/context failed: ' .. (err.message or tostring(err)))
    end
    show('fillin://context', M.context_lines(result, where), 'markdown')
  end, bufnr)
end

--- `:FillinStats`: the output of `fillin stats` (local acceptance statistics).
function M.stats(options)
  local argv = require('fillin.config').command(options, 'stats')
  -- Run in the workspace root, so that a `fillin.toml` there (index.directory) is honoured.
  local client = server.client_for(api.nvim_get_current_buf())
  local cwd = client and client.config.root_dir or nil
  local ok, process = pcall(vim.system, argv, { text = true, cwd = cwd }, function(done)
    vim.schedule(function()
      if done.code ~= 0 then
        local stderr = vim.trim(done.stderr or '')
        return notify(('`%s` failed: %s'):format(table.concat(argv, ' '), stderr))
      end
      show('fillin://stats', vim.split(vim.trim(done.stdout), '\n', { plain = true }), 'text')
    end)
  end)
  if not ok then
    notify(('cannot run %s (%s); set `cmd` or `python` in setup()'):format(argv[1], process))
  end
end

--- `:FillinLog`: the server's `window/logMessage` lines of this session, newest last.
function M.log()
  local lines = #server.log > 0 and server.log or { 'no log messages from fillin yet' }
  local bufnr = show('fillin://log', lines, 'text')
  local win = vim.fn.bufwinid(bufnr)
  if win ~= -1 then
    api.nvim_win_set_cursor(win, { #lines, 0 })
  end
end

--- The code action kind of "Generate code from comment" (and of anything fillin may add).
M.GENERATE_KINDS = { 'refactor.rewrite', 'source.fillin' }

--- Whether `action` (from the fillin client) is one of fillin's generate actions.
function M.is_generate_action(action)
  local kind = action.kind or ''
  return vim.iter(M.GENERATE_KINDS):any(function(prefix)
    return kind == prefix or vim.startswith(kind, prefix .. '.')
  end)
end

--- `:FillinGenerate`: apply the "Generate code from comment" action at the cursor.
function M.generate()
  if server.client_for(api.nvim_get_current_buf()) == nil then
    return notify('no fillin server for this buffer; open a file of a supported filetype')
  end
  vim.lsp.buf.code_action({
    context = { only = M.GENERATE_KINDS, diagnostics = {} },
    filter = function(action, client_id)
      local client = client_id and vim.lsp.get_client_by_id(client_id)
      return (client == nil or client.name == server.NAME) and M.is_generate_action(action)
    end,
    apply = true,
  })
end

return M
