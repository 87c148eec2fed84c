--- fillin's user commands. They are defined at startup and load the plugin only when used;
--- nothing starts until `require("fillin").setup()` runs.

if vim.g.loaded_fillin then
  return
end
vim.g.loaded_fillin = true

local function command(name, method, desc)
  vim.api.nvim_create_user_command(name, function()
    require('fillin')[method]()
  end, { desc = desc })
end

command('FillinContext', 'context', 'fillin: show the prompt and repository context for the cursor')
command('FillinStats', 'stats', 'fillin: show local acceptance statistics')
command('FillinToggle', 'toggle', 'fillin: turn suggestions on or off')
command('FillinGenerate', 'generate', 'fillin: generate code from the comment at the cursor')
command('FillinLog', 'log', "fillin: show the server's log messages")
command('FillinRestart', 'restart', 'fillin: restart the server')
vim.api.nvim_create_user_command('FillinInstall', function(args)
  require('fillin').install(args.args)
end, {
  nargs = '?',
  complete = 'file',
  desc = 'fillin: install a private fillin server (from this checkout, or a wheel)',
})
