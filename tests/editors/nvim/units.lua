-- Evaluates the plugin's pure Lua functions on cases from pytest, in a real Neovim.
--
-- Run as `nvim --headless -u NONE -i NONE -n -l units.lua CASES.json RESULT.json` with
-- editors/neovim on 'runtimepath'. Each case is {kind = ..., ...}; its result (or the error
-- it raised) goes to the same index of the result list, so pytest holds the expectations.

local cases = vim.json.decode(table.concat(vim.fn.readfile(arg[1]), '\n'))

local function run(case)
  if case.kind == 'call' then
    local module = require(case.module)
    return module[case['function']](unpack(case.args))
  elseif case.kind == 'resolve' then
    local config = require('fillin.config')
    local options, problems = config.resolve(case.options)
    return {
      problems = problems,
      command = config.command(options, 'serve'),
      keymaps = options.keymaps,
    }
  elseif case.kind == 'tracker' then
    local sent = {}
    local tracker = require('fillin.suggestions').new(function(method, params)
      sent[#sent + 1] = { method = method, params = params }
    end)
    for _, op in ipairs(case.ops) do
      tracker[op[1]](tracker, unpack(op, 2))
    end
    return sent
  elseif case.kind == 'eval' then
    return assert(loadstring(case.code))()
  elseif case.kind == 'load' then
    local chunk, err = loadfile(case.path)
    return chunk ~= nil or err
  end
  error('unknown case kind ' .. tostring(case.kind))
end

local results = {}
for idx, case in ipairs(cases) do
  local ok, value = pcall(run, case)
  results[idx] = ok and { value = value == nil and vim.NIL or value } or { error = tostring(value) }
end
vim.fn.writefile({ vim.json.encode(results) }, arg[2])
