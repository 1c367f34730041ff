-- wrk script for benchmarks/bench_intake.py: POST /api/v1/comments, each request a new
-- comment (its own Idempotency-Key, author, address and text), with the key in MODQ_BENCH_KEY.
local threads = {}
local sentences = {
  "The minister's plan for energy prices will not help families this winter.",
  "Shipping through the strait has doubled since the talks began in spring.",
  "I read the whole article and the numbers on housing do not add up.",
  "Good reporting: the council should publish the contract in full.",
  "Interest rates are the real story here, not the election promises.",
}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  prefix = string.format("%d-%d-%d", os.time(), id, math.random(1, 1000000000))
  auth = "Bearer " .. (os.getenv("MODQ_BENCH_KEY") or "")
end

function request()
  counter = counter + 1
  local n = counter
  local body = string.format(
    '{"article_id": "a1", "author": {"id": "u%s-%d", "name": "Reader"}, '
      .. '"body": "%s (%s %d)", "client_ip": "10.%d.%d.%d"}',
    prefix, n, sentences[n % #sentences + 1], prefix, n, id, math.floor(n / 256) % 256, n % 256)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = auth,
    ["Idempotency-Key"] = prefix .. "-" .. n,
  }
  return wrk.format("POST", "/api/v1/comments", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d\n", summary.errors.status))
end
