/* ---
id: 632855ee-864f-4520-af93-8fb1e256c5ea
name: "ProxyLogon: POST to static OWA theme resources under /owa/auth/Current/themes/resources (Volexity)"
status: stable
severity: high
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [iis, httpproxy]
key_fields: [uri_stem]
description: >
  Volexity's authentication-bypass indicator: POST requests to static resources under /owa/auth/Current/themes/resources/
  (logon.css, owafont_ja.css, owafont_ko.css, lgnbotl.gif, SegoeUI-SemiBold.eot, SegoeUI-SemiLight.ttf seen). A POST
  to a static file is never legitimate. Crawlers GETting the same files do not match.
why_severity: >
  Sigma rates the HAFNIUM web rule high; signature-base scores the pattern 65. Volexity calls POSTs to static resources
  never legitimate but not proof of success, so high rather than critical.
false_positives:
  - Broken clients or security scanners replaying POSTs to arbitrary paths.
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/SigmaHQ/sigma/blob/master/rules-emerging-threats/2021/TA/HAFNIUM/web_exchange_exploitation_hafnium.yml
  - https://github.com/Neo23x0/signature-base/blob/master/yara/apt_hafnium_log_sigs.yar
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       lower(uri_stem) AS uri_stem, min(client_ip) AS client_ip, count(DISTINCT client_ip) AS client_ip_count,
       min(user_agent) AS user_agent, max(status) AS max_status
FROM web_requests
WHERE dt BETWEEN ? AND ?
  AND upper(method) = 'POST'
  AND strpos(lower(uri_stem), '/owa/auth/current/themes/resources/') = 1
GROUP BY agency, host, lower(uri_stem)
