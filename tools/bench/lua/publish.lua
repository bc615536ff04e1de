-- POST /api/articles with a title no other request of the benchmark used: the run's nonce, wrk's thread
-- and a counter. (A repeated title would still publish, under a suffixed slug, but would also measure
-- the slug-collision path.) Authors rotate over several users, as on a real site: publishing as one user
-- would queue every request behind that user's row (users.article_count).
-- Arguments: tokens=JWT,JWT,... run=NONCE tag=TAG
package.path = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "?.lua;" .. package.path
local report = require("report")
report.install()

local headers, run, tag, sent = {}, nil, nil, 0

function init(args)
  local options = report.options(args)
  for _, token in ipairs(report.split(options.tokens)) do
    table.insert(headers, { ["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json" })
  end
  run, tag = options.run, options.tag
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"article":{"title":"Benchmark %s thread %d article %d","description":"Written by the load benchmark",' ..
    '"body":"A short body.\\n\\nIn two paragraphs.","tagList":["%s","benchmark"]}}',
    run, thread_id, sent, tag
  )
  return wrk.format("POST", "/api/articles", headers[sent % #headers + 1], body)
end
