-- What a security review of the landed code asked for (issue 12).

-- The token taker runs as its owner: a search path that PostgreSQL searches `pg_temp` in before
-- `public` would let any role that may call it plant a `rate_limit_bucket` of its own. Only the
-- application role calls it.
alter function lectern_take_token(text, integer, integer, timestamptz)
    set search_path = pg_catalog, public, pg_temp;
revoke execute on function lectern_take_token(text, integer, integer, timestamptz) from public;
grant execute on function lectern_take_token(text, integer, integer, timestamptz) to lectern_app;

-- A claimed Idempotency-Key is held by a lease that the running request renews, so a slow
-- request (a large roster import) keeps its claim however long it runs, while the claim of a
-- process that died lapses within one lease.
alter table idempotency_record add column lease_until timestamptz;
update idempotency_record set lease_until = created_at + interval '5 minutes';
alter table idempotency_record alter column lease_until set not null;

-- Strings (reset and invitation tokens) to mask in a mail's stored body once it has been
-- delivered: the link must reach its reader, but need not stay readable in the database.
alter table mail_outbox add column mask text[] not null default '{}';
create index mail_outbox_created on mail_outbox (created_at);

-- Password reset requests, queued as they arrive and handled by a worker, so the request path does
-- the same work whether or not the organisation and the account exist. Platform data: the tenant
-- is not known until the worker resolves the organisation, so no tenant_id and no policy; the
-- application role has no access.
create table password_reset_request (
    id            uuid primary key,
    organisation  text not null check (length(organisation) <= 100),
    email         text not null check (length(email) <= 254),
    ip            inet,
    request_id    text,
    created_at    timestamptz not null,
    attempts      integer not null default 0
);
create index password_reset_request_created on password_reset_request (created_at);
revoke all on password_reset_request from lectern_app;

-- The hosts a tenant lets lesson images load from; empty means any https host.
alter table tenant add column image_hosts text[] not null default '{}'
    check (cardinality(image_hosts) <= 50);
grant update (image_hosts) on tenant to lectern_app;
