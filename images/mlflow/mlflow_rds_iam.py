"""IAM database authentication for MLflow's PostgreSQL backend store on RDS.

Loaded at interpreter start by mlflow_rds_iam.pth (so before `mlflow server` and each of its
workers create their SQLAlchemy engine), and active only when MLFLOW_RDS_IAM_AUTH=1:

- `install()` registers a SQLAlchemy `do_connect` listener on every Engine; each new PostgreSQL
  connection gets a fresh RDS IAM token (boto3 `generate_db_auth_token`, signed locally with the
  pod's credentials, valid 15 minutes for opening a connection) as its password. The backend-store
  URI carries no password, so nothing rotates under a running server.
- `python -m mlflow_rds_iam bootstrap` creates the IAM-authenticated database user once and grants
  it the MLflow database, idempotently. It connects as the RDS-managed master user, whose current
  credentials it reads from the environment (a Kubernetes Secret synced from the RDS-managed secret
  by External Secrets), so it follows the master password's rotation.

Every connection uses TLS with certificate and host name verification (sslmode=verify-full) against
the RDS CA bundle baked into the image.
"""
import os
import sys

RDS_CA_BUNDLE = os.environ.get("MLFLOW_RDS_CA_BUNDLE", "/etc/ssl/certs/rds-global-bundle.pem")


def enabled():
    return os.environ.get("MLFLOW_RDS_IAM_AUTH") == "1"


def _region():
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise RuntimeError("mlflow_rds_iam: AWS_REGION is not set; it is needed to sign the RDS IAM token")
    return region


def auth_token(host, port, user, client=None):
    """A short-lived RDS IAM authentication token for `user` at `host:port`."""
    if client is None:
        import boto3
        client = boto3.client("rds", region_name=_region())
    return client.generate_db_auth_token(DBHostname=host, Port=int(port), DBUsername=user, Region=_region())


def provide_token(dialect, conn_rec, cargs, cparams):
    """SQLAlchemy `do_connect` listener: a fresh token and verified TLS for each new PostgreSQL connection."""
    if dialect.name != "postgresql":
        return
    cparams["password"] = auth_token(cparams["host"], cparams.get("port") or 5432, cparams["user"])
    cparams["sslmode"] = "verify-full"
    cparams.setdefault("sslrootcert", RDS_CA_BUNDLE)


def install():
    """Registers `provide_token` for every SQLAlchemy engine of this process (once)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    if not event.contains(Engine, "do_connect", provide_token):
        event.listen(Engine, "do_connect", provide_token)


def bootstrap_statements(user, database):
    """The idempotent SQL (with psycopg2 identifiers) that makes `user` MLflow's IAM-authenticated owner of `database`."""
    from psycopg2 import sql
    u, db = sql.Identifier(user), sql.Identifier(database)
    return [
        sql.SQL("GRANT rds_iam TO {}").format(u),
        sql.SQL("GRANT ALL PRIVILEGES ON DATABASE {} TO {}").format(db, u),
        sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(u),
        # Tables created before (by the master user) stay usable; new ones are owned by the user.
        sql.SQL("GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO {}").format(u),
        sql.SQL("GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public TO {}").format(u),
    ]


def bootstrap(env=os.environ, connect=None):
    """Creates the IAM user if missing and (re)applies its grants. Safe to run on every pod start."""
    import psycopg2
    from psycopg2 import errors, sql
    connect = connect or psycopg2.connect
    user, database = env["MLFLOW_DB_IAM_USER"], env["PGDATABASE"]
    conn = connect(
        host=env["PGHOST"], port=int(env.get("PGPORT", "5432")), dbname=database,
        user=env["MLFLOW_DB_ADMIN_USERNAME"], password=env["MLFLOW_DB_ADMIN_PASSWORD"],
        sslmode="verify-full", sslrootcert=RDS_CA_BUNDLE, connect_timeout=10,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,))
            if cur.fetchone() is None:
                try:
                    cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(user)))
                except errors.DuplicateObject:
                    pass  # another replica created it meanwhile
            for statement in bootstrap_statements(user, database):
                cur.execute(statement)
    finally:
        conn.close()
    print(f"mlflow_rds_iam: database user {user} ready on {database}", flush=True)


if enabled():
    install()

if __name__ == "__main__":
    if sys.argv[1:] != ["bootstrap"]:
        sys.exit("usage: python -m mlflow_rds_iam bootstrap")
    bootstrap()
