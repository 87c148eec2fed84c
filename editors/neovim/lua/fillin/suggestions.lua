--- The life of each suggestion the user sees, reported to the server for local statistics.
---
--- The server gives every inline completion item an id, in the item's command
--- (`fillin.didAccept` with `{ { id = ... } }`; see editors/README.md). The tracker turns
--- what happens to the items into three notifications:
---
--- - `fillin/didShowCompletion {id}` when an item is put on screen;
--- - `fillin/didAcceptCompletion {id, acceptedLength}` when all of it, or a part (word, line),
---   is accepted; `acceptedLength` counts the Unicode code points accepted so far. An item
---   the tracker never saw (a completion item) goes without `acceptedLength`: all of it;
--- - `fillin/didDismissCompletion {id}` when a shown item goes away with nothing accepted.
---
--- Every shown item ends in exactly one of accept (possibly repeated with a growing length)
--- or dismiss. Items without an id are shown and accepted as usual, with nothing reported.

local M = {}

M.DID_SHOW = 'fillin/didShowCompletion'
M.DID_ACCEPT = 'fillin/didAcceptCompletion'
M.DID_DISMISS = 'fillin/didDismissCompletion'
M.ACCEPT_COMMAND = 'fillin.didAccept'

--- The id in an item's `fillin.didAccept` command, or nil.
function M.id_of(command)
  if type(command) ~= 'table' or command.command ~= M.ACCEPT_COMMAND then
    return nil
  end
  local argument = (command.arguments or {})[1]
  if type(argument) ~= 'table' or type(argument.id) ~= 'string' or argument.id == '' then
    return nil
  end
  return argument.id
end

--- The length of `text` in Unicode code points, the unit of `acceptedLength`.
function M.length(text)
  return vim.fn.strchars(text)
end

local Tracker = {}
Tracker.__index = Tracker

--- A tracker that hands each notification to `send(method, params)`.
function M.new(send)
  return setmetatable({ send = send, current = nil, lengths = {}, order = {} }, Tracker)
end

function Tracker:remember(id, length)
  if self.lengths[id] == nil then
    table.insert(self.order, id)
  end
  self.lengths[id] = length
  while #self.order > 64 do
    self.lengths[table.remove(self.order, 1)] = nil
  end
end

--- Item `id` (inserting `text`) is on screen; the one it replaces ends.
function Tracker:show(id, text)
  if id == nil or (self.current and self.current.id == id) then
    return
  end
  self:finish()
  self.current = { id = id, length = M.length(text), accepted = 0 }
  self:remember(id, self.current.length)
  self.send(M.DID_SHOW, { id = id })
end

--- Whether the tracker saw item `id` (and so knows its length).
function Tracker:knows(id)
  return id ~= nil and self.lengths[id] ~= nil
end

--- All of item `id` was accepted.
function Tracker:accept(id)
  if id == nil then
    return
  end
  local length = self.lengths[id]
  self.send(M.DID_ACCEPT, length and { id = id, acceptedLength = length } or { id = id })
  if self.current and self.current.id == id then
    self.current = nil
  end
end

--- `text` of the item on screen was accepted (accept word or line).
function Tracker:accept_part(text)
  local current = self.current
  if current == nil or text == '' then
    return
  end
  current.accepted = math.min(current.length, current.accepted + M.length(text))
  self.send(M.DID_ACCEPT, { id = current.id, acceptedLength = current.accepted })
  if current.accepted >= current.length then
    self.current = nil
  end
end

--- The item on screen went away: dismissed unless part of it was accepted.
function Tracker:finish()
  local current = self.current
  self.current = nil
  if current and current.accepted == 0 then
    self.send(M.DID_DISMISS, { id = current.id })
  end
end

--- Forget everything without notifying (the server went away; its ids are gone).
function Tracker:reset()
  self.current = nil
  self.lengths = {}
  self.order = {}
end

return M
