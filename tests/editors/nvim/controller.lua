-- Drives a child Neovim through a scenario, as a user at the keyboard would, and writes what
-- it saw to a JSON file for pytest to assert on.
--
-- Run as `nvim --headless -u NONE -i NONE -n -l controller.lua SCENARIO.json`. The scenario
-- holds `child_args` (how to start the child, which loads the plugin and calls setup) and a
-- list of `steps`. The child is a real `nvim --embed --headless` driven over msgpack-RPC:
-- keys go through `nvim_input`, so mappings, insert mode and autocommands behave as they do
-- for a person typing. Each step is one of:
--
--   {do = "command", command = ":ex command"}      run an Ex command
--   {do = "cursor", row = 1-based, col = 0-based}  put the cursor there
--   {do = "input", keys = "..."}                   type keys (Neovim key notation)
--   {do = "wait", lua = "return ...", timeout_ms}  wait until the Lua expression is truthy
--   {do = "sleep", ms = ...}                       let time pass (debounce, late replies)
--   {do = "snapshot", name = "..."}                record buffer, cursor, mode, ghost text
--   {do = "eval", name = "...", lua = "return ..."} record the value of a Lua expression
--
-- A step that fails (a wait that times out, a Lua error) ends the scenario; the result then
-- carries `error` and the child's `:messages`, so a failing test says what went wrong.

local scenario = vim.json.decode(table.concat(vim.fn.readfile(arg[1]), '\n'))
local result = { snapshots = {}, values = {}, error = vim.NIL, messages = vim.NIL }

local function write_result()
  vim.fn.writefile({ vim.json.encode(result) }, scenario.result_path)
end

local child = vim.fn.jobstart(scenario.child_args, { rpc = true, env = scenario.env })
if child <= 0 then
  result.error = 'cannot start the child Neovim: ' .. table.concat(scenario.child_args, ' ')
  write_result()
  os.exit(1)
end

local function request(method, ...)
  return vim.rpcrequest(child, method, ...)
end

local function lua(code)
  return request('nvim_exec_lua', code, {})
end

local SNAPSHOT = [[
local ghost = require('fillin.ghost')
local marks = vim.api.nvim_buf_get_extmarks(0, ghost.namespace, 0, -1, { details = true })
local shown = {}
for _, mark in ipairs(marks) do
  local details = mark[4]
  local virt_lines = {}
  for _, chunks in ipairs(details.virt_lines or {}) do
    virt_lines[#virt_lines + 1] = chunks[1] and chunks[1][1] or ''
  end
  shown[#shown + 1] = {
    row = mark[2],
    col = mark[3],
    text = details.virt_text and details.virt_text[1][1] or '',
    pos = details.virt_text_pos,
    lines = virt_lines,
  }
end
local cursor = vim.api.nvim_win_get_cursor(0)
return {
  lines = vim.api.nvim_buf_get_lines(0, 0, -1, false),
  cursor = { cursor[1], cursor[2] },
  mode = vim.api.nvim_get_mode().mode,
  ghost = shown,
  visible = require('fillin').visible() or vim.NIL,
  bufname = vim.api.nvim_buf_get_name(0),
}
]]

local function run_step(step)
  local kind = step['do']
  if kind == 'command' then
    request('nvim_command', step.command)
  elseif kind == 'cursor' then
    request('nvim_win_set_cursor', 0, { step.row, step.col })
  elseif kind == 'input' then
    request('nvim_input', step.keys)
    -- Any request is answered only once the typed keys have been processed.
    request('nvim_get_mode')
  elseif kind == 'wait' then
    local timeout_ms = step.timeout_ms or 10000
    local last_error
    local ok = vim.wait(timeout_ms, function()
      local called, value = pcall(lua, step.lua)
      if not called then
        last_error = value
        return false
      end
      return value ~= nil and value ~= vim.NIL and value ~= false
    end, 20)
    if not ok then
      error(('timed out after %d ms waiting for: %s%s'):format(
        timeout_ms,
        step.lua,
        last_error and (' (last error: ' .. tostring(last_error) .. ')') or ''
      ))
    end
  elseif kind == 'sleep' then
    vim.wait(step.ms, function()
      return false
    end)
  elseif kind == 'snapshot' then
    result.snapshots[step.name] = lua(SNAPSHOT)
  elseif kind == 'eval' then
    result.values[step.name] = lua(step.lua)
  else
    error('unknown step: ' .. vim.inspect(step))
  end
end

for idx, step in ipairs(scenario.steps) do
  local ok, err = pcall(run_step, step)
  if not ok then
    result.error = ('step %d (%s): %s'):format(idx, vim.json.encode(step), tostring(err))
    break
  end
end

pcall(function()
  result.messages = request('nvim_exec2', 'messages', { output = true }).output
end)
write_result()
pcall(request, 'nvim_command', 'qall!')
vim.fn.jobwait({ child }, 3000)
vim.fn.jobstop(child)
