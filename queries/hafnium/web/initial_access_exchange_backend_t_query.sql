/* ---
id: 9fdb77bf-3db3-4a6a-b620-5ae4c1990c8d
name: "Exchange Back End site requests whose query starts with t= (Sentinel HAFNIUM Suspicious Exchange Request)"
status: experimental
severity: low
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [iis, httpproxy]
key_fields: [uri_stem, client_ip]
description: >
  Sentinel "HAFNIUM Suspicious Exchange Request": IIS requests to the Exchange Back End site (W3SVC2, port 444) whose
  cs-uri-query starts with t=, a request pattern MSTIC observed from HAFNIUM; MSTIC notes the same query works on
  HttpProxy logs.
why_severity: >
  Sentinel rates it Medium, but publishes no false-positive study and legitimate back-end traffic is proxied from the
  front end with many query shapes; without a second signal it is kept low.
false_positives:
  - Legitimate proxied requests whose parameters start with t=.
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/W3CIISLog/HAFNIUMSuspiciousExchangeRequestPattern.yaml
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       lower(uri_stem) AS uri_stem, client_ip, min(uri_query) AS uri_query, max(status) AS max_status
FROM web_requests
WHERE dt BETWEEN ? AND ?
  -- The back-end site: named, W3SVC2, or port 444.
  AND (lower(site) IN ('exchange back end', 'w3svc2') OR server_port = 444)
  AND strpos(lower(uri_query), 't=') = 1
GROUP BY agency, host, lower(uri_stem), client_ip
