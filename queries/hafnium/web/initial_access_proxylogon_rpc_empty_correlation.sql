/* ---
id: 5775ce6e-98b2-4f3a-9ed4-cfdd725bf92e
name: "GET /rpc/ with an empty CorrelationID answered 2xx/3xx (signature-base, Praetorian ProxyLogon reproduction)"
status: experimental
severity: low
cves: [CVE-2021-26855, CVE-2021-27065]
mitre: ["TA0001:T1190"]
log_families: [iis]
key_fields: [client_ip]
description: >
  signature-base LOG_CVE_2021_27065_Exchange_Forensic_Artefacts_Mar21_2, from Praetorian's reproduction of the chain:
  an IIS line "GET /rpc/ &CorrelationID=<empty>;&RequestId=..." with any 2xx/3xx status (signature-base lists 200, 301, 302) (the stem is /rpc/ itself,
  not Outlook Anywhere's /rpc/rpcproxy.dll).
why_severity: >
  A single-lab artefact with no false-positive study; Exchange appends CorrelationID=<empty> to many of its own IIS lines,
  so only the bare /rpc/ stem is matched and the result stays low.
false_positives:
  - Clients probing /rpc/ without a proxy target.
references:
  - https://github.com/Neo23x0/signature-base/blob/master/yara/apt_hafnium_log_sigs.yar
--- */
-- One finding per real client: behind a load balancer or reverse proxy the first public address of its
-- X-Forwarded-For (forwarded_client_ip), else the address IIS logged; the balancer's address stays in via_proxy.
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       coalesce(forwarded_client_ip, client_ip) AS client_ip,
       min(CASE WHEN forwarded_client_ip IS NOT NULL THEN client_ip END) AS via_proxy,
       min(uri_query) AS uri_query, max(status) AS max_status, min(user_agent) AS user_agent
FROM web_requests
WHERE dt BETWEEN ? AND ?
  AND upper(method) = 'GET'
  AND lower(uri_stem) = '/rpc/'
  AND strpos(uri_query, '&CorrelationID=<empty>;&RequestId=') > 0
  -- Answered: any 2xx/3xx (signature-base lists 200/301/302; the exploit's SSRF answers 241).
  AND status BETWEEN 200 AND 399
GROUP BY agency, host, coalesce(forwarded_client_ip, client_ip)
