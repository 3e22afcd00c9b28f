"""Checks images/mlflow/mlflow_rds_iam.py against stand-ins for sqlalchemy, boto3 and psycopg2 (no AWS, no database)."""
import importlib
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "images", "mlflow"))

# --- stand-ins ------------------------------------------------------------------------------------
listeners = []
sqlalchemy = types.ModuleType("sqlalchemy")
sqlalchemy.event = types.SimpleNamespace(
    listen=lambda target, name, fn: listeners.append((target, name, fn)),
    contains=lambda target, name, fn: (target, name, fn) in listeners,
)
engine_mod = types.ModuleType("sqlalchemy.engine")
class Engine:  # noqa: E301
    pass
engine_mod.Engine = Engine
sys.modules.update({"sqlalchemy": sqlalchemy, "sqlalchemy.engine": engine_mod})

signed = []
class FakeRds:  # noqa: E302
    def generate_db_auth_token(self, **kw):
        signed.append(kw)
        return f"token-{len(signed)}"
boto3 = types.ModuleType("boto3")
boto3.client = lambda service, region_name=None: FakeRds()
sys.modules["boto3"] = boto3

class Sql:  # noqa: E302
    def __init__(self, text): self.text = text
    def format(self, *args): return Sql(self.text.format(*[a.text for a in args]))
class Identifier(Sql):  # noqa: E302
    def __init__(self, name): super().__init__('"' + name.replace('"', '""') + '"')
class DuplicateObject(Exception):  # noqa: E302
    pass
psycopg2 = types.ModuleType("psycopg2")
psycopg2.sql = types.SimpleNamespace(SQL=Sql, Identifier=Identifier)
psycopg2.errors = types.SimpleNamespace(DuplicateObject=DuplicateObject)
sys.modules.update({"psycopg2": psycopg2, "psycopg2.sql": psycopg2.sql, "psycopg2.errors": psycopg2.errors})

# --- checks ---------------------------------------------------------------------------------------
passed, failed = 0, 0
def check(name, ok):  # noqa: E302
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}")

os.environ.pop("MLFLOW_RDS_IAM_AUTH", None)
os.environ["AWS_REGION"] = "eu-west-1"
m = importlib.import_module("mlflow_rds_iam")
check("not installed unless MLFLOW_RDS_IAM_AUTH=1", listeners == [])

os.environ["MLFLOW_RDS_IAM_AUTH"] = "1"
m = importlib.reload(m)
m.install()
check("installed once on every Engine for do_connect", listeners == [(Engine, "do_connect", m.provide_token)])

pg = types.SimpleNamespace(name="postgresql")
first = {"host": "db.example", "port": 5432, "user": "mlflow_server", "database": "mlflow"}
second = dict(first)
m.provide_token(pg, None, [], first)
m.provide_token(pg, None, [], second)
check("a fresh token per new connection, signed for host, port, user and region",
      first["password"] == "token-1" and second["password"] == "token-2"
      and signed[0] == {"DBHostname": "db.example", "Port": 5432, "DBUsername": "mlflow_server", "Region": "eu-west-1"})
check("verified TLS against the RDS bundle", first["sslmode"] == "verify-full" and first["sslrootcert"] == "/etc/ssl/certs/rds-global-bundle.pem")
other = {"host": "x"}
m.provide_token(types.SimpleNamespace(name="sqlite"), None, [], other)
check("other dialects untouched", other == {"host": "x"})

class Cursor:  # noqa: E302
    def __init__(self, db): self.db = db; self.row = None
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def execute(self, statement, params=None):
        text = statement.text if isinstance(statement, Sql) else statement
        self.db.executed.append(text)
        if text.startswith("SELECT 1 FROM pg_roles"):
            self.row = (1,) if params[0] in self.db.roles else None
        elif text.startswith("CREATE ROLE"):
            if self.db.race:
                raise DuplicateObject()
            self.db.roles.add(text.split('"')[1])
    def fetchone(self): return self.row
class Db:  # noqa: E302
    def __init__(self, roles=(), race=False): self.roles, self.race, self.executed, self.kw, self.closed = set(roles), race, [], None, False
    def connect(self, **kw): self.kw = kw; return self
    def cursor(self): return Cursor(self)
    def close(self): self.closed = True

env = {"MLFLOW_DB_IAM_USER": "mlflow_server", "PGDATABASE": "mlflow", "PGHOST": "db.example", "PGPORT": "5432",
       "MLFLOW_DB_ADMIN_USERNAME": "mlflow", "MLFLOW_DB_ADMIN_PASSWORD": "from-the-secret"}
db = Db()
m.bootstrap(env, db.connect)
check("bootstrap connects as the master user with verified TLS",
      db.kw["user"] == "mlflow" and db.kw["password"] == "from-the-secret" and db.kw["sslmode"] == "verify-full" and db.kw["dbname"] == "mlflow" and db.closed)
check("bootstrap creates the IAM user and grants it rds_iam and the database", db.executed[1:] == [
    'CREATE ROLE "mlflow_server" LOGIN',
    'GRANT rds_iam TO "mlflow_server"',
    'GRANT ALL PRIVILEGES ON DATABASE "mlflow" TO "mlflow_server"',
    'GRANT USAGE, CREATE ON SCHEMA public TO "mlflow_server"',
    'GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO "mlflow_server"',
    'GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public TO "mlflow_server"',
])
again = Db(roles={"mlflow_server"})
m.bootstrap(env, again.connect)
check("bootstrap is idempotent: an existing user is not created again", not any(s.startswith("CREATE ROLE") for s in again.executed) and len(again.executed) == 6)
race = Db(race=True)
m.bootstrap(env, race.connect)
check("a replica that loses the creation race still applies the grants", race.executed[-1].startswith("GRANT ALL PRIVILEGES ON ALL SEQUENCES"))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
