--- `:FillinInstall`: a private fillin server under `stdpath("data")`, made from this plugin's
--- own checkout (the repository root two levels above editors/neovim) or from a wheel.
---
--- It runs, one after the other: `python3 -m venv <data>/fillin/venv`, `pip install <source>`
--- in it, and `fillin install-model` (the default model's GGUF, about 98 MB). Each step's
--- output goes to `:messages` when it fails. Headless (`nvim --headless +FillinInstall +qa`)
--- it waits until it is done, so `+qa` runs after it; with a UI it runs in the background and
--- reports progress with `vim.notify`. `server_command()` is what `setup()` runs when `cmd` is
--- left at its default and no `fillin` is on PATH.

local M = {}

local is_windows = vim.fn.has('win32') == 1

--- The folder of the private environment.
function M.venv_dir()
  return vim.fs.joinpath(vim.fn.stdpath('data'), 'fillin', 'venv')
end

--- The `fillin` program of the private environment (it may not exist yet).
function M.fillin_path()
  local bin = is_windows and 'Scripts' or 'bin'
  return vim.fs.joinpath(M.venv_dir(), bin, is_windows and 'fillin.exe' or 'fillin')
end

--- The checkout this plugin lives in: the directory holding pyproject.toml two levels above
--- editors/neovim, or nil when the plugin was copied out of it.
function M.checkout()
  local here = debug.getinfo(1, 'S').source:sub(2)
  local plugin = vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(vim.fs.normalize(here))))
  local root = vim.fs.dirname(vim.fs.dirname(plugin))
  if vim.uv.fs_stat(vim.fs.joinpath(root, 'pyproject.toml')) then
    return root
  end
  return nil
end

--- The `fillin` command to run: the private environment's when `fillin` is not on PATH and
--- the environment exists, else nil.
function M.server_command()
  if vim.fn.executable('fillin') == 1 then
    return nil
  end
  local path = M.fillin_path()
  if vim.fn.executable(path) == 1 then
    return { path }
  end
  return nil
end

local function python()
  for _, name in ipairs({ 'python3', 'python' }) do
    if vim.fn.executable(name) == 1 then
      return vim.fn.exepath(name)
    end
  end
  return nil
end

local function notify(message, level)
  vim.notify('fillin: ' .. message, level or vim.log.levels.INFO)
end

--- The steps that install fillin from `source` (a checkout or a wheel) into `venv`.
function M.steps(interpreter, source, venv)
  local bin = vim.fs.joinpath(venv, is_windows and 'Scripts' or 'bin')
  local venv_python = vim.fs.joinpath(bin, is_windows and 'python.exe' or 'python')
  return {
    { 'creating ' .. venv, { interpreter, '-m', 'venv', venv } },
    { 'installing fillin from ' .. source, { venv_python, '-m', 'pip', 'install', '-q', source } },
    { 'installing the default model (about 98 MB)', { M.fillin_path(), 'install-model' } },
  }
end

--- Install (or update) the private server; `source` defaults to this plugin's checkout.
--- Calls `on_done(ok)` at the end; waits until then when Neovim has no UI or `opts.wait`.
function M.install(source, opts, on_done)
  opts = opts or {}
  on_done = on_done or function() end
  source = (source and source ~= '') and vim.fn.fnamemodify(source, ':p') or M.checkout()
  if source == nil then
    notify('no checkout of fillin around this plugin; run :FillinInstall /path/to/fillin-X-py3-none-any.whl', vim.log.levels.ERROR)
    return on_done(false)
  end
  local interpreter = python()
  if interpreter == nil then
    notify('no python3 on PATH; install Python 3.11 or newer and run :FillinInstall again', vim.log.levels.ERROR)
    return on_done(false)
  end
  local steps = M.steps(interpreter, source, M.venv_dir())
  local wait = opts.wait or #vim.api.nvim_list_uis() == 0
  local finished = nil

  local function run(index)
    if index > #steps then
      notify('installed ' .. M.fillin_path())
      finished = true
      return on_done(true)
    end
    local title, argv = steps[index][1], steps[index][2]
    notify(('%d/%d %s'):format(index, #steps, title))
    local ok, process = pcall(vim.system, argv, { text = true }, vim.schedule_wrap(function(result)
      if result.code ~= 0 then
        local output = vim.trim((result.stderr or '') .. '\n' .. (result.stdout or ''))
        notify(('%s failed (exit %d):\n%s'):format(title, result.code, output), vim.log.levels.ERROR)
        finished = false
        return on_done(false)
      end
      run(index + 1)
    end))
    if not ok then
      notify(('%s failed: %s'):format(title, process), vim.log.levels.ERROR)
      finished = false
      return on_done(false)
    end
  end

  run(1)
  if wait then
    -- pip can take minutes on a slow connection; vim.wait keeps the event loop running.
    vim.wait(30 * 60 * 1000, function()
      return finished ~= nil
    end, 200)
  end
end

return M
