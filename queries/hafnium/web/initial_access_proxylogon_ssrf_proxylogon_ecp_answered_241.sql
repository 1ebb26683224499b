/* ---
id: b1f5a240-c08a-4920-9b6d-be7956815daa
name: "ProxyLogon SSRF to /ecp/proxyLogon.ecp answered 241: the authentication bypass succeeded (HttpProxy)"
status: experimental
severity: critical
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [httpproxy]
key_fields: [backend_host, client_ip]
description: >
  The step of the public ProxyLogon exploits that turns the SSRF into an ECP session: a ServerInfo~<x>/<path> anchor
  whose path is /ecp/proxyLogon.ecp, answered with HTTP 241. The back end answers 241 (with the session and canary
  cookies) only when it accepted the forged logon; patched servers and failed attempts answer 4xx/5xx. The finding's
  host is the front end that logged the request; backend_host is the back end named in the anchor (or TargetServer),
  whose ECP session the attacker now holds.
why_severity: >
  A 241 on proxyLogon.ecp through a ServerInfo~ anchor is the exploit's own success signal (the issue 100 chain:
  autodiscover, mapi/emsmdb, proxyLogon.ecp, DDIService); CVE-2021-27065 usually follows within minutes.
false_positives:
  - "None known: no legitimate client sends ServerInfo~ anchors to proxyLogon.ecp."
references:
  - https://github.com/microsoft/CSS-Exchange/issues/100
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
runbook: |
  1. Treat backend_host as compromised: look for Set-/Reset-*VirtualDirectory, OAB downloads and new .aspx files
     there from first_seen on.
  2. Block client_ip; collect the HttpProxy, ECP and OABGenerator logs of both servers.
--- */
-- Stage 1: SSRF anchors to proxyLogon.ecp answered 241, with the back end the SSRF reached.
WITH bypass AS (
  SELECT agency, host, event_time, anchor_mailbox, client_ip, uri_stem, user_agent,
         -- The anchor's host (ServerInfo~a]@mbx02.corp.example:444/...), else TargetServer, as a short upper-case name
         -- like the lake's host column; a name must start with a letter (an IP address is not a host name).
         upper(coalesce(regexp_extract(anchor_mailbox, '@([A-Za-z][^.:/\]@]*)', 1), split_part(target_server, '.', 1))) AS backend_host
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND lower(anchor_mailbox) LIKE 'serverinfo~%/ecp/proxylogon.ecp%'
    -- 241: the back end accepted the forged logon (the exploit's success code).
    AND status = 241
)
-- Stage 2: one finding per front end, back end and client.
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       backend_host, client_ip, min(anchor_mailbox) AS anchor_mailbox, min(uri_stem) AS uri_stem,
       min(user_agent) AS user_agent
FROM bypass
GROUP BY agency, host, backend_host, client_ip
