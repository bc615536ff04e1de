-- Shared by every scenario script: count response statuses in each thread, and when wrk is done print
-- one JSON line that bench/wrk.py parses. wrk only counts statuses above 399 as errors; a 3xx or 1xx
-- is just as wrong for these requests, so every non-2xx status is counted here.
--
-- wrk runs setup() and done() in one Lua state and each thread's init/request/response in its own, so
-- per-thread counters travel to done() through thread:get().

local report = {}
local threads = {}

function report.setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function report.response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

-- Arguments after `--` on wrk's command line, as key=value words.
function report.options(args)
  local options = {}
  for _, word in ipairs(args) do
    local key, value = word:match("^([%w_]+)=(.*)$")
    assert(key, "expected key=value, got " .. word)
    options[key] = value
  end
  return options
end

function report.split(list)
  local items = {}
  for item in list:gmatch("[^,]+") do
    table.insert(items, item)
  end
  assert(#items > 0, "empty list")
  return items
end

function report.done(summary, latency)
  local counts, parts, non2xx = {}, {}, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  for status, count in pairs(counts) do
    if status < 200 or status > 299 then
      non2xx = non2xx + count
    end
    table.insert(parts, string.format('"%d":%d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"non2xx":%d,"statuses":{%s},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    non2xx, table.concat(parts, ","),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean
  ))
end

-- Install the hooks every scenario shares; a script then adds init() and, if its requests vary, request().
function report.install()
  statuses = {}
  setup, response, done = report.setup, report.response, report.done
end

return report
