--- fillin's options for Neovim: defaults, validation and merging.
---
--- `resolve(user)` merges the user's table over the defaults and checks every key: a bad value
--- or an unknown key is reported (naming the key and what it should be) and keeps its default,
--- so a typo never takes the whole plugin down. `settings` is passed to the server untouched;
--- the server checks it and reports bad keys itself.

local M = {}

--- The supported filetypes, one per tree-sitter grammar fillin ships.
M.FILETYPES = {
  'python',
  'javascript',
  'javascriptreact',
  'typescript',
  'typescriptreact',
  'go',
  'rust',
  'java',
  'c',
  'cpp',
}

M.defaults = {
  -- The `fillin` program and leading arguments, without the subcommand ("serve" or "stats").
  -- Left at this default with no `fillin` on PATH, the server :FillinInstall made is used.
  cmd = { 'fillin' },
  -- A Python interpreter with fillin installed; when set, runs `python -m lsp_server`.
  python = nil,
  filetypes = M.FILETYPES,
  -- Filetypes where no suggestion is asked for even though the server runs (per buffer:
  -- `vim.b.fillin_enabled = false`).
  disabled_filetypes = {},
  -- The nearest directory holding one of these is the workspace root.
  root_markers = {
    'fillin.toml',
    'pyproject.toml',
    'package.json',
    'go.mod',
    'Cargo.toml',
    'pom.xml',
    '.git',
  },
  -- Server settings, camelCase as in the README:
  -- `{ model = { backend = "llamacpp", url = "http://127.0.0.1:8080" } }`.
  settings = {},
  -- Ask for suggestions while typing (after `debounce_ms`); otherwise only on the trigger key.
  auto_trigger = true,
  debounce_ms = 120,
  -- fillin's own ghost text on every version (false), or Neovim 0.12's
  -- vim.lsp.inline_completion where available (true or "auto").
  native = false,
  hl_group = 'FillinGhostText',
  -- Hide the ghost text while a completion menu (the popup menu, nvim-cmp, blink.cmp) is open.
  hide_during_completion = true,
  -- Also offer the suggestion as a `textDocument/completion` item, for a cmp/blink menu;
  -- sets the server's completion.completionItems unless `settings` sets it.
  completion_items = false,
  -- Insert-mode keys; false disables one. Each falls back to the key's usual meaning when no
  -- suggestion is shown.
  keymaps = {
    accept = '<M-l>',
    accept_word = '<M-w>',
    accept_line = '<M-j>',
    dismiss = '<C-]>',
    next = '<M-]>',
    prev = '<M-[>',
    trigger = '<M-\\>',
  },
}

local function is_string_list(value)
  return vim.islist(value) and vim.iter(value):all(function(v)
    return type(v) == 'string' and v ~= ''
  end)
end

local function is_key_or_false(value)
  return value == false or (type(value) == 'string' and value ~= '')
end

--- What each option must be: a predicate and the words that describe it.
local checks = {
  cmd = { is_string_list, 'a list of strings such as { "fillin" }' },
  python = {
    function(v)
      return v == nil or (type(v) == 'string' and v ~= '')
    end,
    'the path of a Python interpreter',
  },
  filetypes = { is_string_list, 'a list of filetypes' },
  root_markers = { is_string_list, 'a list of file names' },
  settings = {
    function(v)
      return type(v) == 'table'
    end,
    'a table of server settings',
  },
  auto_trigger = {
    function(v)
      return type(v) == 'boolean'
    end,
    'true or false',
  },
  debounce_ms = {
    function(v)
      return type(v) == 'number' and v >= 0
    end,
    'a number of milliseconds',
  },
  native = {
    function(v)
      return v == 'auto' or type(v) == 'boolean'
    end,
    'true, false or "auto"',
  },
  disabled_filetypes = {
    function(v)
      return vim.islist(v) and vim.iter(v):all(function(ft)
        return type(ft) == 'string' and ft ~= ''
      end)
    end,
    'a list of filetypes',
  },
  hide_during_completion = {
    function(v)
      return type(v) == 'boolean'
    end,
    'true or false',
  },
  completion_items = {
    function(v)
      return type(v) == 'boolean'
    end,
    'true or false',
  },
  hl_group = {
    function(v)
      return type(v) == 'string' and v ~= ''
    end,
    'a highlight group name',
  },
}

--- The edit distance between two short strings.
local function distance(a, b)
  local previous = {}
  for j = 0, #b do
    previous[j] = j
  end
  for i = 1, #a do
    local current = { [0] = i }
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      current[j] = math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
    end
    previous = current
  end
  return previous[#b]
end

--- The known option closest to a misspelled one, when it is close enough to be a typo.
local function closest(key, candidates)
  local best, best_distance = nil, 3
  for candidate in pairs(candidates) do
    local d = distance(key, candidate)
    if d < best_distance then
      best, best_distance = candidate, d
    end
  end
  return best
end

--- Whether suggestions are wanted in `bufnr`: not when `vim.b.fillin_enabled` is false or
--- its filetype is in `disabled_filetypes`.
function M.is_enabled_for(options, bufnr)
  if vim.b[bufnr].fillin_enabled == false then
    return false
  end
  return not vim.tbl_contains(options.disabled_filetypes or {}, vim.bo[bufnr].filetype)
end

--- The server settings to send: `settings`, with completion.completionItems from the
--- `completion_items` option unless `settings` sets it.
function M.server_settings(options)
  local settings = vim.deepcopy(options.settings)
  settings.completion = type(settings.completion) == 'table' and settings.completion or {}
  if settings.completion.completionItems == nil then
    settings.completion.completionItems = options.completion_items
  end
  return settings
end

--- Merge `user` over the defaults; returns the options and a list of problems (strings).
function M.resolve(user)
  local problems = {}
  local options = vim.deepcopy(M.defaults)
  if user == nil then
    return options, problems
  end
  if type(user) ~= 'table' then
    return options, { 'setup() takes a table of options' }
  end
  for key, value in pairs(user) do
    if key == 'keymaps' then
      if type(value) ~= 'table' then
        table.insert(problems, 'keymaps: must be a table such as { accept = "<M-l>" }')
      else
        for action, lhs in pairs(value) do
          if M.defaults.keymaps[action] == nil then
            table.insert(problems, ('keymaps.%s: unknown action; the actions are %s'):format(
              action,
              table.concat(vim.fn.sort(vim.tbl_keys(M.defaults.keymaps)), ', ')
            ))
          elseif not is_key_or_false(lhs) then
            local message = 'keymaps.%s: must be a key such as "<M-l>", or false'
            table.insert(problems, message:format(action))
          else
            options.keymaps[action] = lhs
          end
        end
      end
    elseif checks[key] == nil then
      local hint = closest(key, checks)
      table.insert(problems, ('%s: unknown option%s; it is ignored'):format(
        key,
        hint and (' (did you mean ' .. hint .. '?)') or ''
      ))
    elseif not checks[key][1](value) then
      table.insert(problems, ('%s: must be %s; using the default'):format(key, checks[key][2]))
    else
      options[key] = value
    end
  end
  return options, problems
end

--- The command line that runs `fillin <subcommand>` with these options.
function M.command(options, subcommand)
  if options.python then
    -- -P keeps the working directory (the user's repository) off sys.path, so none of the
    -- repository's own modules can run inside the server.
    return { options.python, '-P', '-m', 'lsp_server', subcommand }
  end
  local is_default = vim.deep_equal(options.cmd, M.defaults.cmd)
  local argv = vim.deepcopy(is_default and require('fillin.install').server_command() or options.cmd)
  table.insert(argv, subcommand)
  return argv
end

return M
