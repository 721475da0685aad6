-- wrk: POST /api/v1/flows for a pool of usernames (LK_PREFIX0..LK_USERS-1).
local counter = 0
local users = tonumber(os.getenv("LK_USERS") or "10000")
local prefix = os.getenv("LK_PREFIX") or "user"
local headers = { ["Content-Type"] = "application/json" }

setup = function(thread)
  thread:set("offset", math.random(0, users))
end

request = function()
  counter = counter + 1
  local name = prefix .. ((counter + (offset or 0)) % users)
  return wrk.format("POST", "/api/v1/flows", headers, '{"kind":"reset","username":"' .. name .. '"}')
end
