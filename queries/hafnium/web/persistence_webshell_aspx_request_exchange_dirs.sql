/* ---
id: 5b46bfa2-aa3c-4572-9005-32de768a0150
name: "Requests to .aspx files under /aspnet_client/, or non-stock .aspx under /owa/auth/ and /ecp/auth/ (web-shell access)"
status: stable
severity: medium
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [iis, httpproxy]
key_fields: [uri_stem]
description: >
  Web shells dropped by the ProxyLogon chain sit in \inetpub\wwwroot\aspnet_client\ (any .aspx there, including
  system_web\) and in FrontEnd\HttpProxy\owa\auth\ or ecp\auth\ next to Exchange's own pages (Volexity; MSERT guidance;
  signature-base file-name regexes). A stock install serves no .aspx from /aspnet_client/, and only a fixed set of pages
  from /owa/auth/ (errorFE, expiredpassword, frowny, logoff, logon, OutlookCN, RedirSuiteServiceProxy, signout) and
  /ecp/auth/ (TimeoutLogoff). A successful POST to such a page is raised to high: that is how web shells are driven.
why_severity: >
  Requests that succeed with POST match how China Chopper style shells are used (high); GETs and failed requests
  are often scanners probing for shells left by others (medium when answered, any 2xx/3xx; low otherwise).
false_positives:
  - Custom pages an administrator deployed under aspnet_client (rare; check the file).
  - Scanners probing for known shell names (status 404, low).
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/Defender-MSERT-Guidance.md
  - https://github.com/Neo23x0/signature-base/blob/master/iocs/filename-iocs.txt
  - https://github.com/elastic/detection-rules/blob/main/rules/windows/initial_access_suspicious_ms_exchange_files.toml
--- */
WITH reqs AS (
  SELECT agency, host, event_time, lower(uri_stem) AS uri_stem, upper(method) AS method, status, client_ip, user_agent
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND lower(uri_stem) LIKE '%.aspx'
    AND (strpos(lower(uri_stem), '/aspnet_client/') = 1
         -- owa/auth and its Current / version folders, minus the stock pages (Elastic's exclusion list).
         OR (strpos(lower(uri_stem), '/owa/auth/') = 1
             AND regexp_extract(lower(uri_stem), '[^/]+$') NOT IN ('errorfe.aspx', 'expiredpassword.aspx', 'frowny.aspx',
                 'logoff.aspx', 'logon.aspx', 'outlookcn.aspx', 'redirsuiteserviceproxy.aspx', 'signout.aspx'))
         OR (strpos(lower(uri_stem), '/ecp/auth/') = 1 AND lower(uri_stem) <> '/ecp/auth/timeoutlogoff.aspx'))
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN count_if(method = 'POST' AND status BETWEEN 200 AND 399) > 0 THEN 'high'
            WHEN count_if(status BETWEEN 200 AND 399) > 0 THEN 'medium'
            ELSE 'low' END AS severity,
       uri_stem, min(client_ip) AS client_ip, count(DISTINCT client_ip) AS client_ip_count,
       count_if(method = 'POST') AS posts, max(status) AS max_status, min(user_agent) AS user_agent
FROM reqs
GROUP BY agency, host, uri_stem
