-- wrk script for bench/load.py: requests read from a file, one per line, each sent once.
--
--   wrk -t2 -c8 -d5s -s bench/wrk/requests.lua http://127.0.0.1:PORT -- FILE START THREADS
--
-- FILE holds one request a line, fields separated by tabs: METHOD, PATH, COOKIE and, for a
-- POST, a form-encoded BODY. Thread t of THREADS sends lines START + t, START + t + THREADS, …
-- in order, so no line is sent twice in a run (or across runs that start where the last one
-- stopped); past the end it starts over and counts the lines it repeats ("wrapped").
-- done() prints one line "WRK_JSON {...}" with wrk's own figures (latencies in microseconds)
-- and the answers counted by kind.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local requests = {}
local methods = {}
local position = 0
wrapped = 0
consumed = 0
posts = 0
ok, redirected, signed_out, refused, client_errors, server_errors = 0, 0, 0, 0, 0, 0

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot read " .. tostring(args[1]))
  local start = tonumber(args[2] or "0")
  local count = tonumber(args[3] or "1")
  local lines = {}
  for line in file:lines() do
    if line ~= "" then table.insert(lines, line) end
  end
  file:close()
  assert(#lines > 0, "no request in " .. args[1])
  local mine = {}
  for index = start + id + 1, #lines, count do table.insert(mine, lines[index]) end
  if #mine == 0 then
    -- Fewer lines left than threads (a warm run has one): this thread asks for all of them.
    mine = lines
  end
  for _, line in ipairs(mine) do
    local f = split(line)
    local headers = { ["Cookie"] = f[3] }
    local body = nil
    if f[1] == "POST" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      body = f[4]
    end
    table.insert(requests, wrk.format(f[1], f[2], headers, body))
    table.insert(methods, f[1])
  end
end

function request()
  position = position + 1
  if position > #requests then
    position = 1
    wrapped = wrapped + #requests
  end
  consumed = consumed + 1
  if methods[position] == "POST" then posts = posts + 1 end
  return requests[position]
end

-- Answers by kind. Pages answer 200 and actions a redirect to the referral's page (done, or
-- refused as no longer allowed with a message: bench/load.py tells the two apart from the
-- timeline); a redirect to the sign-in page means the session was not accepted.
function response(status, headers, body)
  if status < 300 then
    ok = ok + 1
  elseif status < 400 then
    local location = headers["Location"] or headers["location"] or ""
    if location:find("/accounts/login/", 1, true) then
      signed_out = signed_out + 1
    else
      redirected = redirected + 1
    end
  elseif status == 400 or status == 409 then
    refused = refused + 1
  elseif status < 500 then
    client_errors = client_errors + 1
  else
    server_errors = server_errors + 1
  end
end

function done(summary, latency, requests)
  local names = { "ok", "redirected", "signed_out", "refused", "client_errors", "server_errors", "posts",
                  "wrapped" }
  local totals = {}
  for _, name in ipairs(names) do totals[name] = 0 end
  local furthest = 0
  for _, thread in ipairs(threads) do
    for _, name in ipairs(names) do
      totals[name] = totals[name] + (tonumber(thread:get(name)) or 0)
    end
    furthest = math.max(furthest, tonumber(thread:get("consumed")) or 0)
  end
  local parts = {
    string.format('"requests": %d', summary.requests),
    string.format('"duration_us": %d', summary.duration),
    string.format('"bytes": %d', summary.bytes),
    string.format('"errors_connect": %d', summary.errors.connect),
    string.format('"errors_read": %d', summary.errors.read),
    string.format('"errors_write": %d', summary.errors.write),
    string.format('"errors_status": %d', summary.errors.status),
    string.format('"errors_timeout": %d', summary.errors.timeout),
    string.format('"latency_mean_us": %.1f', latency.mean),
    string.format('"latency_max_us": %d', latency.max),
    string.format('"p50_us": %d', latency:percentile(50)),
    string.format('"p90_us": %d', latency:percentile(90)),
    string.format('"p99_us": %d', latency:percentile(99)),
    string.format('"furthest_per_thread": %d', furthest),
  }
  for _, name in ipairs(names) do
    table.insert(parts, string.format('"%s": %d', name, totals[name]))
  end
  io.write("WRK_JSON {" .. table.concat(parts, ", ") .. "}\n")
end
