/* ---
id: 6809abea-694f-458c-a83c-b82dcd78953b
name: "CVE-2021-27065: ProxyLogon Reset Virtual Directory by the machine account in IIS logs (Sigma)"
status: stable
severity: critical
cves: [CVE-2021-27065, CVE-2021-26855]
mitre: ["TA0003:T1505.003", "TA0001:T1190"]
log_families: [iis]
key_fields: [uri_query]
description: >
  Sigma "ProxyLogon Reset Virtual Directories Based On IIS Log": a POST to /ecp/DDI/DDIService.svc/SetObject with
  status 2xx/3xx whose query names a schema=Reset...VirtualDirectory and whose authenticated user is a machine account
  (ends with $): the SSRF makes the back end act as the Exchange computer account.
false_positives:
  - >
    Sigma notes that the path alone is noisy (Volexity says SetObject "may be used for items not associated with
    this exploit"); the machine-account and Reset schema conditions keep admins' own changes out.
references:
  - https://github.com/SigmaHQ/sigma/tree/master/rules-emerging-threats/2021/Exploits
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       uri_query, min(username) AS username, min(client_ip) AS client_ip, min(site) AS site
FROM web_requests
WHERE dt BETWEEN ? AND ?
  AND upper(method) = 'POST'
  -- Answered: any 2xx/3xx (Sigma's rule says 200; a proxied answer may be another success code).
  AND status BETWEEN 200 AND 399
  AND lower(uri_stem) = '/ecp/ddi/ddiservice.svc/setobject'
  AND strpos(lower(uri_query), 'schema=reset') > 0
  AND strpos(lower(uri_query), 'virtualdirectory') > 0
  -- The machine account (DOMAIN\EXCH01$): only the SSRF makes the back end act as the computer.
  AND username LIKE '%$'
GROUP BY agency, host, uri_query
