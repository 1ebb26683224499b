/* ---
id: f094bb91-1844-4dbc-827d-2f6606292cc7
name: "CVE-2021-26857: MSExchange Unified Messaging error with System.InvalidCastException (Test-ProxyLogon)"
status: stable
severity: high
cves: [CVE-2021-26857]
mitre: ["TA0001:T1190"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [provider]
description: >
  The Microsoft blog and Test-ProxyLogon check for CVE-2021-26857 (insecure deserialization in the Unified Messaging
  service): Application log, provider MSExchange Unified Messaging, level 2 (Error), message containing
  System.InvalidCastException. Raw .evtx records carry no rendered message, so the event data text is searched too.
  Applies to Exchange 2010 with the UM role as well.
why_severity: >
  Test-ProxyLogon reports it in red ("[CVE-2021-26857] Suspicious activity found in Eventlog!"), but the exception is
  also what a failed attempt leaves: high rather than critical.
false_positives:
  - UM configuration errors that throw InvalidCastException (rare).
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       provider, min(event_id) AS event_id, min(substr(coalesce(message, data_text), 1, 400)) AS message
FROM windows_events
WHERE dt BETWEEN ? AND ?
  AND lower(provider) = 'msexchange unified messaging'
  AND level = 2
  AND strpos(coalesce(message, '') || ' ' || coalesce(data_text, ''), 'System.InvalidCastException') > 0
GROUP BY agency, host, provider
