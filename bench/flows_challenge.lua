-- wrk: a reset start followed by a code request for it (a store write plus a
-- queued message), alternating. Counts pairs in done().
local counter = 0
local users = tonumber(os.getenv("LK_USERS") or "10000")
local prefix = os.getenv("LK_PREFIX") or "user"
local headers = { ["Content-Type"] = "application/json" }
local pending = {}

request = function()
  local next_one = table.remove(pending)
  if next_one then
    return wrk.format("POST", "/api/v1/flows/" .. next_one[1] .. "/challenge", headers,
                      '{"method":"' .. next_one[2] .. '"}')
  end
  counter = counter + 1
  local name = prefix .. (counter % users)
  return wrk.format("POST", "/api/v1/flows", headers, '{"kind":"reset","username":"' .. name .. '"}')
end

response = function(status, hdrs, body)
  if status == 201 then
    local id = body:match('"id":"([^"]+)"')
    local method = body:match('"methods":%[{"hint":"[^"]*","id":"([^"]+)"')
    if id and method then table.insert(pending, { id, method }) end
  end
end
