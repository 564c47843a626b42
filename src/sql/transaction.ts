// Statements Postgres refuses inside a transaction block ("... cannot run inside a transaction block").

type Node = Record<string, any>;

/** True when the statement cannot run inside a transaction block, so its migration cannot be wrapped in one. */
export function runsOutsideTransaction(node: unknown): boolean {
  const [type, body] = Object.entries((node ?? {}) as Node)[0] ?? [];
  if (!type) return false;
  switch (type) {
    case 'IndexStmt':
    case 'DropStmt':
      return body.concurrent === true;
    case 'ReindexStmt':
      return (
        (body.params ?? []).some((param: Node) => param.DefElem?.defname === 'concurrently') ||
        body.kind === 'REINDEX_OBJECT_DATABASE' ||
        body.kind === 'REINDEX_OBJECT_SYSTEM'
      );
    case 'VacuumStmt':
      return body.is_vacuumcmd === true;
    case 'ClusterStmt':
      return !body.relation;
    case 'AlterTableStmt':
      return (body.cmds ?? []).some(
        (cmd: Node) => cmd.AlterTableCmd?.subtype === 'AT_DetachPartition' && cmd.AlterTableCmd.def?.PartitionCmd?.concurrent,
      );
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'AlterSystemStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
    case 'CreateSubscriptionStmt':
    case 'DropSubscriptionStmt':
      return true;
    default:
      return false;
  }
}
