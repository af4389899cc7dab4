-- Shared by the bench/wrk/*.lua scripts (wrk runs with bench/wrk/ as its working directory).
local common = {}

-- Headers of a syntactically valid SigV4-signed request. No target verifies signatures, but some
-- (dynalite) require the Authorization header to be present and well formed.
function common.sigv4_headers(service, region)
  local day = os.date("!%Y%m%d")
  return {
    ["X-Amz-Date"] = os.date("!%Y%m%dT%H%M%SZ"),
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/" .. day .. "/" .. region .. "/" .. service
      .. "/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
      .. string.rep("0", 64),
  }
end

-- wrk's done() hook: one machine-readable line that bench/harness.py parses.
function common.report(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
      .. '"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end

return common
