/**
 * The normalized lake schema: the one place that says which tables exist and
 * which typed columns they have.
 *
 * Which log families write to a table is said by the parsers (src/formats/registry.ts: familiesOfTable).
 * Everything else derives from it: the Parquet writer (column order and types),
 * the local DuckDB views, the Glue/Athena table definitions (lib/), the hunt
 * query lint (referenced columns must exist) and the fixture loader.
 *
 * Conventions:
 * - every table starts with the {@link COMMON_COLUMNS} and is partitioned by
 *   `agency` and `dt` (the UTC day of `event_time`, `YYYY-MM-DD`, a string on
 *   both engines so that `dt BETWEEN ? AND ?` prunes partitions everywhere);
 * - `event_time` is UTC; in rows handed to the writer it is epoch milliseconds;
 * - `host` is the short host name in upper case (`EXCH01`), taken from the
 *   record when it has one, else from the path, else from `--host`;
 * - strings keep the log's original text (case, backslashes); hunts compare
 *   with `lower(...)` where Windows is case-insensitive.
 * - ADDRESSES: every address column (`client_ip`, `server_ip`, `forwarded_client_ip`, `ip_address`) holds the
 *   matching form of src/core/ip-address.ts (normalizeIp): dotted IPv4; RFC 5952 IPv6 (lower case, zeros
 *   compressed); `::ffff:a.b.c.d` as `a.b.c.d`; port, brackets and zone id dropped; null when the text is no
 *   address. Compare them with `=` to indicator values (normalized the same way). The text as logged is in the
 *   column of the same name with `_raw` (`forwarded_for` is the logged chain itself).
 */

/** Column types, named as in Athena DDL. */
export type ColumnType = 'string' | 'timestamp' | 'int' | 'bigint' | 'double' | 'boolean';

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
}

export interface TableDef {
  readonly name: TableName;
  readonly description: string;
  /** All data columns, common ones first (partition columns excluded). */
  readonly columns: readonly ColumnDef[];
}

/** Partition columns, in path order: `lake/<table>/agency=<id>/dt=<YYYY-MM-DD>/`. */
export const PARTITION_COLUMNS: readonly ColumnDef[] = [
  { name: 'agency', type: 'string', description: 'Agency id (the upload prefix owner).' },
  { name: 'dt', type: 'string', description: 'UTC day of event_time, YYYY-MM-DD (partition).' },
];

export const COMMON_COLUMNS: readonly ColumnDef[] = [
  { name: 'event_time', type: 'timestamp', description: 'Event time, UTC.' },
  { name: 'host', type: 'string', description: 'Short host name, upper case (record, else path, else --host).' },
  { name: 'source_family', type: 'string', description: 'Log family that produced the row (httpproxy, iis, ecp_server, evtx, ...).' },
  { name: 'source_file', type: 'string', description: 'Original file: upload path, then "!" and the entry path for each archive level.' },
  { name: 'source_line', type: 'bigint', description: 'Line (text logs) or record number (event logs) in source_file, 1-based.' },
  { name: 'upload_id', type: 'string', description: 'Upload the row came from.' },
];

const c = (name: string, type: ColumnType, description: string): ColumnDef => ({ name, type, description });

export const TABLES = {
  web_requests: {
    name: 'web_requests',
    description: 'HTTP requests seen by IIS (W3C logs) and by the Exchange front-end proxy (HttpProxy logs).',
    columns: [
      ...COMMON_COLUMNS,
      c('site', 'string', 'IIS site (W3SVC1, W3SVC2, or the site name) or the HttpProxy protocol folder.'),
      c('method', 'string', 'HTTP method (cs-method / Method).'),
      c('uri_stem', 'string', 'URL path (cs-uri-stem / UrlStem).'),
      c('uri_query', 'string', 'Query string without "?" (cs-uri-query / UrlQuery); null when "-" or empty.'),
      c('status', 'int', 'HTTP status (sc-status / HttpStatus).'),
      c('substatus', 'int', 'IIS sc-substatus.'),
      c('win32_status', 'bigint', 'IIS sc-win32-status.'),
      c(
        'client_ip',
        'string',
        'Client address (c-ip / ClientIpAddress) as the proxy or balancer in front of IIS may be: normalized (see ADDRESSES).',
      ),
      c('server_ip', 'string', 'Server address (s-ip), normalized (see ADDRESSES).'),
      c('server_port', 'int', 'Server port (s-port).'),
      c('username', 'string', 'Authenticated user (cs-username / AuthenticatedUser); null when "-" or empty.'),
      c(
        'user_agent',
        'string',
        "User agent with real spaces (IIS \"+\" decoded). Compare to published IIS-form IOCs with replace(user_agent, ' ', '+').",
      ),
      c('referer', 'string', 'cs(Referer).'),
      c('time_taken_ms', 'bigint', 'time-taken / TotalRequestTime in ms.'),
      c('request_id', 'string', 'HttpProxy RequestId.'),
      c('protocol', 'string', 'HttpProxy Protocol (Ecp, Owa, Autodiscover, ...).'),
      c('url_host', 'string', 'HttpProxy UrlHost.'),
      c('authentication_type', 'string', 'HttpProxy AuthenticationType.'),
      c('anchor_mailbox', 'string', 'HttpProxy AnchorMailbox (ServerInfo~... for CVE-2021-26855).'),
      c('backend_cookie', 'string', 'HttpProxy BackEndCookie.'),
      c('routing_hint', 'string', 'HttpProxy RoutingHint.'),
      c('routing_type', 'string', 'HttpProxy RoutingType.'),
      c('target_server', 'string', 'HttpProxy TargetServer.'),
      c('target_server_version', 'string', 'HttpProxy TargetServerVersion.'),
      c('server_hostname', 'string', 'HttpProxy ServerHostName.'),
      c('backend_status', 'int', 'HttpProxy BackEndStatus.'),
      c('error_code', 'string', 'HttpProxy ErrorCode.'),
      c('proxy_action', 'string', 'HttpProxy ProxyAction.'),
      c('generic_info', 'string', 'HttpProxy GenericInfo.'),
      c('generic_errors', 'string', 'HttpProxy GenericErrors.'),
      c('request_bytes', 'bigint', 'HttpProxy RequestBytes / IIS cs-bytes.'),
      c('response_bytes', 'bigint', 'HttpProxy ResponseBytes / IIS sc-bytes.'),
      c(
        'forwarded_for',
        'string',
        'Proxy chain as logged by an IIS custom field (X-Forwarded-For, X-Real-IP, X-Original-For, ...); null when not logged.',
      ),
      c(
        'forwarded_client_ip',
        'string',
        'First public address of forwarded_for, normalized (see ADDRESSES): the client behind a load balancer.',
      ),
      c(
        'client_ip_raw',
        'string',
        'c-ip / ClientIpAddress as logged (port, brackets, zone id, ::ffff: kept) where that differs from client_ip; null when client_ip is the logged text (most rows) or nothing was logged: the logged text is coalesce(client_ip_raw, client_ip).',
      ),
      c('server_ip_raw', 'string', 's-ip as logged where that differs from server_ip; null otherwise (see client_ip_raw).'),
    ],
  },
  exchange_logs: {
    name: 'exchange_logs',
    description: 'Exchange application text logs: ECP Server/Activity logs and OABGeneratorLog lines.',
    columns: [
      ...COMMON_COLUMNS,
      c('log_type', 'string', 'The #Log-type header (e.g. "ECP Server Log") or the family name.'),
      c('server_name', 'string', 'ECP ServerName column.'),
      c('event_id', 'string', 'ECP EventId column (e.g. ECP.Request).'),
      c('cmd', 'string', 'ECP S:CMD value (the cmdlet and its parameters).'),
      c('url', 'string', 'ECP S:URL value.'),
      c('user_sid', 'string', 'ECP S:SID value.'),
      c('request_id', 'string', 'ECP S:REQID value.'),
      c('exception', 'string', 'ECP S:EX value.'),
      c('message', 'string', 'Whole EventData (ECP) or whole line (OABGeneratorLog), as logged.'),
    ],
  },
  windows_events: {
    name: 'windows_events',
    description: 'Windows event log records, from raw .evtx and from exports (Get-WinEvent JSON/CSV, NXLog, Winlogbeat).',
    columns: [
      ...COMMON_COLUMNS,
      c('channel', 'string', 'Channel / log name (Security, Application, Microsoft-Windows-Sysmon/Operational, MSExchange Management).'),
      c('provider', 'string', 'Provider / source name (e.g. MSExchange Unified Messaging).'),
      c('event_id', 'int', 'Event id without qualifiers.'),
      c('level', 'int', 'Level (1 critical, 2 error, 3 warning, 4 information, 0 log always).'),
      c('record_id', 'bigint', 'EventRecordID.'),
      c('computer', 'string', 'Computer as in the record (often the FQDN).'),
      c('user_sid', 'string', 'System/Security UserID.'),
      c('message', 'string', 'Rendered message when the export carries one (null for raw .evtx).'),
      c('event_data', 'string', 'EventData/UserData as a JSON object name -> value (unnamed items: param1, param2, ...).'),
      c('data_text', 'string', 'All EventData/UserData values joined by newlines, unescaped: for substring hunts.'),
      c('image', 'string', 'Process image: Sysmon Image, 4688 NewProcessName, 4663 ProcessName.'),
      c('command_line', 'string', 'Process command line (Sysmon CommandLine, 4688 CommandLine).'),
      c('parent_image', 'string', 'Parent image (Sysmon ParentImage, 4688 ParentProcessName).'),
      c('parent_command_line', 'string', 'Parent command line (Sysmon ParentCommandLine, 4688 ParentCommandLine when present).'),
      c('original_file_name', 'string', 'Sysmon OriginalFileName.'),
      c('process_user', 'string', 'Sysmon User, or DOMAIN\\name from 4688 Subject/Target fields.'),
      c('process_id', 'bigint', 'Process id from event data (Sysmon ProcessId, 4688 NewProcessId as a number).'),
      c('parent_process_id', 'bigint', 'Parent process id from event data.'),
      c('hashes', 'string', 'Sysmon Hashes (SHA1=...,MD5=...,SHA256=...).'),
      c('sha256', 'string', 'SHA-256 from Hashes, lower case.'),
      c(
        'target_filename',
        'string',
        'File path written or accessed: Sysmon TargetFilename, 4663 ObjectName (File), 5145 share path joined.',
      ),
      c('object_name', 'string', 'Security ObjectName / ObjectDN.'),
      c('object_class', 'string', 'Security 5136 ObjectClass.'),
      c('access_mask', 'string', 'Security AccessMask as logged (e.g. 0x2).'),
      c('share_name', 'string', 'Security 5140/5145 ShareName.'),
      c('relative_target_name', 'string', 'Security 5145 RelativeTargetName.'),
      c('attribute_ldap_name', 'string', 'Security 5136 AttributeLDAPDisplayName.'),
      c('attribute_value', 'string', 'Security 5136 AttributeValue.'),
      c(
        'ip_address',
        'string',
        'Remote address (IpAddress, SourceAddress, ClientAddress, Sysmon SourceIp/DestinationIp of network events), normalized (see ADDRESSES).',
      ),
      c('target_user_name', 'string', 'TargetUserName.'),
      c('subject_user_name', 'string', 'SubjectUserName.'),
      c('logon_type', 'int', 'LogonType (4624/4625).'),
      c('script_block_text', 'string', 'PowerShell 4104 ScriptBlockText.'),
      c('service_name', 'string', 'ServiceName (7045/4697).'),
      c(
        'ip_address_raw',
        'string',
        'The address ip_address was read from, as logged (e.g. ::ffff:192.0.2.1, fe80::1%12), where that differs from ip_address; null otherwise: the logged text is coalesce(ip_address_raw, ip_address).',
      ),
    ],
  },
  file_inventory: {
    name: 'file_inventory',
    description: 'File hash inventories (Get-FileHash | Export-Csv): which file with which hash was on which server.',
    columns: [
      ...COMMON_COLUMNS,
      c('algorithm', 'string', 'Hash algorithm as given (SHA256, MD5, SHA1).'),
      c('hash', 'string', 'Hash value, lower case hex.'),
      c('path', 'string', 'Full file path as given.'),
      c('file_name', 'string', 'Base name of path.'),
      c('directory', 'string', 'Directory part of path (without trailing backslash).'),
      c('size_bytes', 'bigint', 'File size when the inventory has it (Length column).'),
      c('last_write_time', 'timestamp', 'LastWriteTime(Utc) when the inventory has it.'),
    ],
  },
} as const satisfies Record<string, TableDef>;

export type TableName = 'web_requests' | 'exchange_logs' | 'windows_events' | 'file_inventory';

export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

/**
 * The indicators table: not partitioned, loaded from `indicators/` at hunt time
 * (local engine) or from the deployed indicators prefix (Athena).
 */
export const INDICATORS_TABLE = {
  name: 'indicators',
  description: 'Indicators of compromise, one row per (type, value, source).',
  columns: [
    c('type', 'string', 'ip | sha256 | md5 | sha1 | filepath | filename | domain | user_agent | url_path'),
    c('value', 'string', 'Indicator value, normalized: lower case for hashes, paths, names and domains.'),
    c('source', 'string', 'Who published it (MSTIC, Volexity, FireEye, ESET, ...).'),
    c('reference', 'string', 'Where it was published (URL or repository path).'),
    c('first_seen', 'string', 'First seen / date added as published (ISO date or time), may be null.'),
    c('description', 'string', 'Publisher notes.'),
  ] as readonly ColumnDef[],
} as const;

/** Looks up a table definition; throws for an unknown name. */
export function tableDef(name: string): TableDef {
  const t = (TABLES as Record<string, TableDef>)[name];
  if (!t) throw new Error(`unknown lake table "${name}"; known: ${TABLE_NAMES.join(', ')}`);
  return t;
}

/** DuckDB type for a schema column type. */
export function duckDbType(t: ColumnType): string {
  switch (t) {
    case 'string':
      return 'VARCHAR';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
  }
}

/** Athena/Glue (Hive DDL) type for a schema column type. */
export function athenaType(t: ColumnType): string {
  switch (t) {
    case 'string':
      return 'string';
    case 'timestamp':
      return 'timestamp';
    case 'int':
      return 'int';
    case 'bigint':
      return 'bigint';
    case 'double':
      return 'double';
    case 'boolean':
      return 'boolean';
  }
}

/** A row handed to the lake writer: column name -> value; event_time in epoch ms. Missing columns are null. */
export type Row = Record<string, string | number | boolean | null | undefined>;
