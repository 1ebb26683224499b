/* ---
id: 8e415df4-3e94-4ff7-b3af-7cf5174a76bf
name: "Web-shell commands in request query strings (=whoami, =cmd /c, =powershell, =net user, ...)"
status: stable
severity: high
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003", "TA0002:T1059"]
log_families: [iis, httpproxy]
key_fields: [uri_stem, uri_query]
description: >
  Sigma web_win_webshells_in_access_logs (generic, high): a query string passing an operating-system command to a page,
  as simple web shells do (?cmd=whoami). The query is matched after URL decoding ('+' and %20 as spaces) against
  command tokens from that rule: =whoami, =cmd /c, =powershell, =net user, =net group, =certutil, =ipconfig,
  =systeminfo, =tasklist, =quser, =nltest, =wmic, =reg query, =rundll32, =bitsadmin, =curl, =ping -n, =dir c:. POSTed
  China Chopper traffic carries its commands in the body and is covered by the web-shell request and process hunts.
why_severity: >
  Sigma rates it high; a command in a URL parameter answered (any 2xx/3xx) has no legitimate use on Exchange. Requests that
  failed are medium (probes).
false_positives:
  - Vulnerability scanners probing for web shells with command parameters (failed requests, medium).
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/web/webserver_generic/web_win_webshells_in_access_logs.yml
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
prefilter:
  # The rows the final WHERE keeps: the condition on the decoded query is a function of the row alone.
  web_requests: >-
    uri_query IS NOT NULL AND strpos(uri_query, '=') > 0
    AND regexp_like(lower(coalesce(try(url_decode(uri_query)), uri_query)), '=(whoami|cmd(\.exe)? {0,}/c |powershell(\.exe)? |net1? (user|group|localgroup) |certutil|ipconfig|systeminfo|tasklist|quser|nltest|wmic |reg(\.exe)? query|rundll32|bitsadmin|curl |ping -n |dir c:)')
--- */
WITH q AS (
  SELECT agency, host, event_time, lower(uri_stem) AS uri_stem, uri_query, status, client_ip,
         -- IIS writes spaces as '+'; decode %xx too (Trino url_decode turns '+' into a space; the shim does the same).
         -- Trino raises on a malformed escape (%zz): try() keeps the query alive and the raw text is matched instead.
         lower(coalesce(try(url_decode(uri_query)), uri_query)) AS dq
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND uri_query IS NOT NULL
    AND strpos(uri_query, '=') > 0
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN count_if(status BETWEEN 200 AND 399) > 0 THEN 'high' ELSE 'medium' END AS severity,
       uri_stem, uri_query, min(client_ip) AS client_ip, max(status) AS max_status
FROM q
WHERE regexp_like(dq, '=(whoami|cmd(\.exe)? */c |powershell(\.exe)? |net1? (user|group|localgroup) |certutil|ipconfig|systeminfo|tasklist|quser|nltest|wmic |reg(\.exe)? query|rundll32|bitsadmin|curl |ping -n |dir c:)')
GROUP BY agency, host, uri_stem, uri_query
