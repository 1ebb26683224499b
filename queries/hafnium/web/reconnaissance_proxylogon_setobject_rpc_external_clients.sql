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
  Behind a load balancer or reverse proxy the client is the first public address of X-Forwarded-For (via_proxy names
  the balancer): the balancer's own private address never makes an outside client look internal.
why_severity: >
  A lead, not a detection (Volexity: SetObject "may be used for items not associated with this exploit"): low; medium
  when an external SetObject on a virtual directory schema was answered (2xx/3xx).
false_positives:
  - Administrators managing Exchange through ECP from outside (VPN exits, published ECP).
references:
  - https://www.fireeye.com/blog/threat-research/2021/03/detection-response-to-exploitation-of-microsoft-exchange-zero-day-vulnerabilities.html
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
--- */
-- Stage 1: SetObject and bare /rpc/ requests from external clients. The client is the real one: behind a load
-- balancer or reverse proxy the first public address of its X-Forwarded-For (forwarded_client_ip), else the address
-- IIS logged; both normalized by the parsers (IPv4-mapped ::ffff:a.b.c.d read as a.b.c.d, no port or zone id).
WITH reqs AS (
  SELECT agency, host, event_time, lower(uri_stem) AS uri_stem, uri_query, status, user_agent,
         coalesce(forwarded_client_ip, client_ip) AS client_ip,
         CASE WHEN forwarded_client_ip IS NOT NULL THEN client_ip END AS via_proxy
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND lower(uri_stem) IN ('/ecp/ddi/ddiservice.svc/setobject', '/rpc/', '/rpc')
)
-- Stage 2: one finding per host, path and external client; an answered SetObject on a virtual directory schema is
-- medium. External only: RFC 1918, shared (100.64/10), loopback, link-local, unique-local (fc00::/7), unspecified and
-- empty left out.
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN count_if(uri_stem = '/ecp/ddi/ddiservice.svc/setobject' AND status BETWEEN 200 AND 399
                          AND strpos(lower(uri_query), 'virtualdirectory') > 0) > 0
            THEN 'medium' ELSE 'low' END AS severity,
       uri_stem, client_ip, min(via_proxy) AS via_proxy, min(uri_query) AS uri_query, max(status) AS max_status,
       min(user_agent) AS user_agent
FROM reqs
-- (lower and '::ffff:' again for lake files written before the parsers normalized addresses.)
WHERE NOT regexp_like(regexp_replace(lower(coalesce(client_ip, '')), '^::ffff:', ''),
                      '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|127\.|169\.254\.|0\.|fe[89ab][0-9a-f]:|f[cd][0-9a-f][0-9a-f]:|::1?$|$)')
GROUP BY agency, host, uri_stem, client_ip
