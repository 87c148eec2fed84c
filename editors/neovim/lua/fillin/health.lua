--- `:checkhealth fillin`: is Neovim new enough, is setup() done, can the server start, is it
--- attached to this buffer, which UI shows the suggestions, and what `fillin doctor` says
--- about the settings and the model server (one tiny generation request).

local M = {}

--- Run `fillin doctor` in the current buffer's workspace root and report each of its checks.
function M.check_doctor(options)
  local argv = require('fillin.config').command(options, 'doctor')
  if vim.fn.executable(argv[1]) ~= 1 then
    return
  end
  local client = require('fillin.server').client_for(vim.api.nvim_get_current_buf())
  local root = client and client.config.root_dir or vim.fn.getcwd()
  table.insert(argv, '--root')
  table.insert(argv, root)
  local settings = require('fillin.config').server_settings(options)
  local model = type(settings.model) == 'table' and settings.model or {}
  for key, flag in pairs({ backend = '--backend', url = '--url', name = '--model' }) do
    if type(model[key]) == 'string' then
      vim.list_extend(argv, { flag, model[key] })
    end
  end
  local ok, process = pcall(vim.system, argv, { text = true })
  local result = ok and process:wait(150000) or { code = -1, stdout = '', stderr = process }
  vim.health.start('fillin doctor (' .. root .. ')')
  for _, line in ipairs(vim.split(vim.trim(result.stdout or ''), '\n', { plain = true })) do
    if line:match('^%s*ok') then
      vim.health.ok(vim.trim(line))
    elseif line:match('FAIL') then
      vim.health.error(vim.trim(line))
    elseif line ~= '' then
      vim.health.info(vim.trim(line))
    end
  end
  if result.code ~= 0 then
    vim.health.error(('`%s` exited with %s'):format(table.concat(argv, ' '), result.code), {
      vim.trim(result.stderr or ''),
    })
  end
end

function M.check()
  local health = vim.health
  health.start('fillin')

  local version = vim.version()
  local shown = ('%d.%d.%d'):format(version.major, version.minor, version.patch)
  if vim.fn.has('nvim-0.10') == 1 then
    health.ok('Neovim ' .. shown)
  else
    health.error('Neovim ' .. shown .. ' is too old', { 'fillin needs Neovim 0.10 or newer' })
  end

  local fillin = require('fillin')
  local options = fillin.options()
  if options == nil then
    health.error('setup() has not run', { 'add require("fillin").setup({}) to your config' })
    return
  end
  health.ok('setup() done; suggestions shown by ' .. (fillin.engine_name() == 'native'
    and 'vim.lsp.inline_completion (Neovim 0.12+)' or "fillin's own ghost text"))

  local argv = require('fillin.config').command(options, 'serve')
  if vim.fn.executable(argv[1]) == 1 then
    health.ok(('server command: %s (%s)'):format(table.concat(argv, ' '), vim.fn.exepath(argv[1])))
    local help = vim.list_slice(argv, 1, #argv - 1)
    table.insert(help, '--help')
    local result = vim.system(help, { text = true }):wait(10000)
    if result.code ~= 0 then
      health.error(('`%s` exited with %d'):format(table.concat(help, ' '), result.code), {
        vim.trim(result.stderr or ''),
        'check that fillin is installed in that environment',
      })
    end
  else
    health.error(('%s is not executable'):format(argv[1]), {
      'run :FillinInstall (a private server under stdpath("data")), or put `fillin` on PATH',
      'or set cmd = { "/path/to/fillin" } or python = "/path/to/venv/bin/python" in setup()',
    })
  end

  M.check_doctor(options)

  local clients = vim.lsp.get_clients({ name = require('fillin.server').NAME })
  for _, client in ipairs(clients) do
    health.ok(('server running (client %d, root %s, position encoding %s, %d buffer(s))'):format(
      client.id,
      client.config.root_dir or '?',
      client.offset_encoding,
      vim.tbl_count(client.attached_buffers or {})
    ))
    if not (client.server_capabilities or {}).inlineCompletionProvider then
      health.warn('the server does not advertise inline completion', { 'update fillin' })
    end
  end
  if #clients == 0 then
    local message = 'no server running yet: it starts when a buffer of these filetypes opens: %s'
    health.info(message:format(table.concat(options.filetypes, ', ')))
  end
end

return M
