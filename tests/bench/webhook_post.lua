-- wrk script: POSTs an Alertmanager webhook body with a bearer token.
--   BODY_FILE    the payload (default: the captured firing fixture)
--   TOKEN        bearer token (optional)
--   UNIQUE=1     give every request its own fingerprint, so each one is a new episode that
--                must be journaled and synced (otherwise all but the first are duplicates,
--                as when Alertmanager retries)
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()
local unique = os.getenv("UNIQUE") == "1"
local token = os.getenv("TOKEN")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.body = body

local counter = 0
function setup(thread)
  thread:set("prefix", tostring(math.random(1, 1e9)))
end

function request()
  if not unique then
    return wrk.format()
  end
  counter = counter + 1
  local b = body:gsub('"fingerprint":"[^"]*"', '"fingerprint":"' .. prefix .. "-" .. counter .. '"')
  return wrk.format(nil, nil, nil, b)
end
