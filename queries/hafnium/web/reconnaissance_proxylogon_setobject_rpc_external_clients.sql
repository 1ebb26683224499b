/* ---
id: 35292ce6-09a2-44c2-a742-b837eb775ae7
name: "ECP DDIService SetObject and bare /rpc/ requests from external addresses (FireEye)"
status: experimental
severity: low
cves: [CVE-2021-26855, CVE-2021-27065]
mitre: ["TA0043:T1595.002", "TA0001:T1190"]
log_families: [iis, httpproxy]
key_fields: [uri_stem, client_ip]
description: >
  FireEye/Mandiant's web-log leads: requests to /ecp/DDI/DDIService.svc/SetObject (the call that writes the OAB
  virtual directory's ExternalUrl in CVE-2021-27065) and to the bare /rpc/ endpoint (the exploit's probe; Outlook
  Anywhere uses /rpc/rpcproxy.dll, which is not reported) from external addresses: RFC 1918, loopback, link-local,
  unique-local and unspecified addresses are left out, as the Sentinel hunts do. Administrators use ECP from inside.
why_severity: >
  A lead, not a detection (Volexity: SetObject "may be used for items not associated with this exploit"): low; medium
  when an external SetObject on a virtual directory schema was answered (2xx/3xx).
false_positives:
  - Administrators managing Exchange through ECP from outside (VPN exits, published ECP).
references:
  - https://www.fireeye.com/blog/threat-research/2021/03/detection-response-to-exploitation-of-microsoft-exchange-zero-day-vulnerabilities.html
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
--- */
-- Stage 1: SetObject and bare /rpc/ requests from external clients.
WITH reqs AS (
  SELECT agency, host, event_time, lower(uri_stem) AS uri_stem, uri_query, client_ip, status, user_agent
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND lower(uri_stem) IN ('/ecp/ddi/ddiservice.svc/setobject', '/rpc/', '/rpc')
    -- External only: RFC 1918, loopback, link-local, unique-local (fc00::/7), unspecified and empty left out.
    AND NOT regexp_like(lower(coalesce(client_ip, '')),
                        '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|fe80:|f[cd][0-9a-f]{2}:|::|$)')
)
-- Stage 2: one finding per host, path and client; an answered SetObject on a virtual directory schema is medium.
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN count_if(uri_stem = '/ecp/ddi/ddiservice.svc/setobject' AND status BETWEEN 200 AND 399
                          AND strpos(lower(uri_query), 'virtualdirectory') > 0) > 0
            THEN 'medium' ELSE 'low' END AS severity,
       uri_stem, client_ip, min(uri_query) AS uri_query, max(status) AS max_status, min(user_agent) AS user_agent
FROM reqs
GROUP BY agency, host, uri_stem, client_ip
