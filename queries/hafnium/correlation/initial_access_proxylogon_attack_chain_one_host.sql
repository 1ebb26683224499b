/* ---
id: 6bf787d7-50dd-4810-91fb-9e6b7653a7af
name: "ProxyLogon attack chain: SSRF on a front end, then virtual-directory change, web-shell write and shell command on the back end it names, within 72 hours"
status: stable
severity: critical
cves: [CVE-2021-26855, CVE-2021-27065, CVE-2021-26858]
mitre: ["TA0001:T1190", "TA0003:T1505.003", "TA0002:T1059"]
log_families: [httpproxy, ecp_server, oab_generator, evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [chain, backend_host]
description: >
  Correlates the steps of the published ProxyLogon chain across an agency's servers: (1) a CVE-2021-26855 SSRF
  (ServerInfo~ anchor, Test-ProxyLogon's current rule), logged on the server that received it (the front end); then,
  within 72 hours, on that server or on the back end the SSRF reached (the host named in the anchor,
  ServerInfo~a]@mbx02.corp.example:444/..., else HttpProxy's TargetServer): (2) a virtual-directory change carrying
  script or a Reset-VirtualDirectory (ECP Server log, HttpProxy Reset anchor, MSExchange Management), (3) a web-shell
  write (script file under aspnet_client / owa\auth / ecp\auth / OAB in file events, or an OABGenerator download
  outside ClientAccess\OAB), and (4) a shell or China Chopper command under w3wp.exe. One finding per front end and
  back end when the SSRF and at least two later steps are present; host is the front end, backend_host the back end,
  servers names both; the chain column names the steps seen, in order, and each step's first time is given. Steps
  missing from the chain may simply be missing from the uploaded logs.
why_severity: >
  Each step alone has published false positives; together on one host within hours they are the exploitation
  sequence Microsoft and Volexity described.
false_positives:
  - Red-team exercises reproducing the chain.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/issues/100
runbook: |
  1. Treat both servers as compromised: isolate them, keep the logs and memory images.
  2. Use the step times to find the web shell (shell_write_at) and the attacker's commands (shell_command_at).
  3. Follow the single-step findings of the same host for details (paths, command lines, client IPs).
--- */
-- Step 1: SSRF events (Test-ProxyLogon current rule: no autodiscover-only, no localhost scanner), with the back end
-- they reached: the anchor's host (ServerInfo~a]@mbx02.corp.example:444/...), else TargetServer, as a short upper-case
-- name like the lake's host column (a name starts with a letter: an IP address is not a host name).
WITH ssrf AS (
  SELECT agency, host, event_time AS t,
         coalesce(upper(coalesce(regexp_extract(anchor_mailbox, '@([A-Za-z][^.:/\]@]*)', 1), split_part(target_server, '.', 1))),
                  host) AS backend_host
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND lower(anchor_mailbox) LIKE 'serverinfo~%/%'
    AND lower(anchor_mailbox) NOT LIKE 'serverinfo~%/autodiscover%'
    AND lower(anchor_mailbox) NOT LIKE 'serverinfo~localhost%/%'
),
-- Step 2: virtual-directory change with script, or the Reset through the SSRF.
vdir AS (
  SELECT agency, host, event_time AS t FROM exchange_logs
  WHERE dt BETWEEN ? AND ?
    AND regexp_like(message, '(?i)set-.+virtualdirectory.+url.+<\w+.*>.*</\w+>.+virtualdirectory')
  UNION ALL
  SELECT agency, host, event_time AS t FROM web_requests
  WHERE dt BETWEEN ? AND ?
    -- Reset anywhere in the anchor path (public exploit code adds parameters), answered (any 2xx/3xx).
    AND lower(anchor_mailbox) LIKE 'serverinfo~%/%reset%virtualdirectory%' AND status BETWEEN 200 AND 399
  UNION ALL
  SELECT agency, host, event_time AS t FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND lower(channel) = 'msexchange management'
    AND regexp_like(replace(coalesce(message, '') || ' ' || coalesce(data_text, ''), chr(10), ' '),
                    '(?i)set-\w*virtualdirectory.+url.*<\w+.*>.*</\w+>')
),
-- Step 3: web-shell write: script file in a web-shell folder (any drive, share paths included), or OAB download outside.
shell_write AS (
  SELECT agency, host, event_time AS t FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 11 AND strpos(lower(channel), 'sysmon') > 0)
         OR (event_id IN (4663, 5145) AND lower(channel) = 'security'))
    AND regexp_like(lower(target_filename),
        '\\(inetpub\\wwwroot\\aspnet_client|frontend\\httpproxy\\owa\\auth|frontend\\httpproxy\\ecp\\auth|frontend\\httpproxy\\oab)\\.*\.(aspx|asmx|ashx|asax|asp|php|jsp)$')
    AND NOT regexp_like(lower(target_filename), '\\(errorfe|expiredpassword|frowny|logoff|logon|outlookcn|redirsuiteserviceproxy|signout|timeoutlogoff)\.aspx$')
  UNION ALL
  SELECT agency, host, event_time AS t FROM exchange_logs
  WHERE dt BETWEEN ? AND ?
    AND strpos(lower(message), 'download failed and temporary file') > 0
    AND strpos(lower(regexp_extract(message, '(?i)download failed and temporary file (.*?) needs to be removed', 1)), '\clientaccess\oab\') = 0
),
-- Step 4: a shell or China Chopper command under the IIS worker.
shell_command AS (
  SELECT agency, host, event_time AS t FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
    AND lower(parent_image) LIKE '%\w3wp.exe'
    AND regexp_like(lower(image), '\\(cmd|powershell|pwsh|whoami|net|net1|rundll32|certutil|reg|wmic|quser|ipconfig)\.exe$')
),
-- Each SSRF event with the first occurrence of every later step within 72 hours (the exploit ran in minutes to hours),
-- on the front end that logged it or on the back end it reached.
c1 AS (
  SELECT s.agency, s.host, s.backend_host, s.t AS ssrf_at, min(v.t) AS vdir_change_at
  FROM ssrf s LEFT JOIN vdir v ON v.agency = s.agency AND (v.host = s.host OR v.host = s.backend_host)
                               AND v.t >= s.t AND v.t <= s.t + INTERVAL '72' HOUR
  GROUP BY s.agency, s.host, s.backend_host, s.t
),
c2 AS (
  SELECT c.agency, c.host, c.backend_host, c.ssrf_at, c.vdir_change_at, min(w.t) AS shell_write_at
  FROM c1 c LEFT JOIN shell_write w ON w.agency = c.agency AND (w.host = c.host OR w.host = c.backend_host)
                                    AND w.t >= c.ssrf_at AND w.t <= c.ssrf_at + INTERVAL '72' HOUR
  GROUP BY c.agency, c.host, c.backend_host, c.ssrf_at, c.vdir_change_at
),
c3 AS (
  SELECT c.agency, c.host, c.backend_host, c.ssrf_at, c.vdir_change_at, c.shell_write_at, min(x.t) AS shell_command_at
  FROM c2 c LEFT JOIN shell_command x ON x.agency = c.agency AND (x.host = c.host OR x.host = c.backend_host)
                                      AND x.t >= c.ssrf_at AND x.t <= c.ssrf_at + INTERVAL '72' HOUR
  GROUP BY c.agency, c.host, c.backend_host, c.ssrf_at, c.vdir_change_at, c.shell_write_at
),
-- The SSRF plus at least two later steps.
chains AS (
  SELECT *,
         1 + (CASE WHEN vdir_change_at IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN shell_write_at IS NOT NULL THEN 1 ELSE 0 END)
           + (CASE WHEN shell_command_at IS NOT NULL THEN 1 ELSE 0 END) AS steps
  FROM c3
)
SELECT agency, host, backend_host,
       -- Both servers: the front end that logged the SSRF, then the back end (one name when they are the same).
       CASE WHEN backend_host = host THEN host ELSE host || ' -> ' || backend_host END AS servers,
       min(ssrf_at) AS first_seen,
       -- greatest() is null on any null in Trino: default the missing steps to the SSRF time.
       max(greatest(coalesce(vdir_change_at, ssrf_at), coalesce(shell_write_at, ssrf_at), coalesce(shell_command_at, ssrf_at))) AS last_seen,
       count(*) AS hits,
       'ssrf' || CASE WHEN max(vdir_change_at) IS NOT NULL THEN ' -> oab_vdir_change' ELSE '' END
              || CASE WHEN max(shell_write_at) IS NOT NULL THEN ' -> webshell_write' ELSE '' END
              || CASE WHEN max(shell_command_at) IS NOT NULL THEN ' -> shell_command' ELSE '' END AS chain,
       max(steps) AS steps,
       min(ssrf_at) AS ssrf_at, min(vdir_change_at) AS vdir_change_at, min(shell_write_at) AS shell_write_at,
       min(shell_command_at) AS shell_command_at
FROM chains
-- The SSRF plus at least two later steps: one later step alone has too many benign look-alikes.
WHERE steps >= 3
GROUP BY agency, host, backend_host
