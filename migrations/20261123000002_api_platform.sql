-- The API platform: keys, shared rate-limit buckets, idempotency records, the event outbox, and
-- audit rows that name the key which acted.

-- A key acts within one tenant with the role it was given. Its secrets live in `api_key_secret`:
-- rotation adds a secret and retires the old one, after an optional overlap.
create table api_key (
    id            uuid primary key,
    tenant_id     uuid not null references tenant (id) on delete cascade,
    name          text not null check (length(name) between 1 and 100),
    role          text not null check (role in ('student', 'teacher', 'admin')),
    -- The start of the current secret (`ck_live_abcd`), enough to recognise a key, useless to use it.
    prefix        text not null,
    created_by    uuid,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    unique (tenant_id, id)
);
create index api_key_tenant on api_key (tenant_id, created_at desc, id desc);
create trigger api_key_updated_at before update on api_key for each row execute function lectern_touch_updated_at();

create table api_key_secret (
    id           uuid primary key,
    tenant_id    uuid not null,
    key_id       uuid not null,
    -- SHA-256 of the whole secret: a 128-bit random secret needs no slow hash.
    secret_hash  bytea not null unique check (length(secret_hash) = 32),
    created_at   timestamptz not null default now(),
    -- From this instant on the secret no longer authenticates (null while it is the current one).
    retired_at   timestamptz,
    foreign key (tenant_id, key_id) references api_key (tenant_id, id) on delete cascade
);
create index api_key_secret_key on api_key_secret (tenant_id, key_id);

-- Token buckets shared by every server process: `tenant:<uuid>` for a tenant's API calls, `ip:<addr>`
-- for public endpoints. Platform data, not a tenant's, so no tenant_id and no policy; the application
-- reaches it only through `lectern_take_token`.
create table rate_limit_bucket (
    bucket         text primary key,
    minute_tokens  double precision not null,
    hour_tokens    double precision not null,
    updated_at     timestamptz not null
);

-- Takes one token from both of a bucket's windows, or none when either is empty. The row lock
-- serialises concurrent requests for one bucket, so the count holds under any concurrency.
-- Tokens refill continuously: a full minute window holds `per_minute`, refilled at per_minute/60 a second.
create function lectern_take_token(p_bucket text, p_per_minute integer, p_per_hour integer, p_now timestamptz)
    returns table (allowed boolean, minute_tokens double precision, hour_tokens double precision)
    language plpgsql
    security definer
    set search_path = public
as $$
declare
    m double precision;
    h double precision;
    elapsed double precision;
    ok boolean;
begin
    insert into rate_limit_bucket (bucket, minute_tokens, hour_tokens, updated_at)
    values (p_bucket, p_per_minute, p_per_hour, p_now)
    on conflict (bucket) do nothing;
    select b.minute_tokens, b.hour_tokens, greatest(extract(epoch from p_now - b.updated_at), 0)
      into m, h, elapsed
      from rate_limit_bucket b where b.bucket = p_bucket for update;
    m := least(p_per_minute::double precision, m + elapsed * p_per_minute / 60.0);
    h := least(p_per_hour::double precision, h + elapsed * p_per_hour / 3600.0);
    ok := m >= 1 and h >= 1;
    if ok then
        m := m - 1;
        h := h - 1;
    end if;
    -- Servers' clocks may differ a little: time never runs backwards for a bucket.
    update rate_limit_bucket b
       set minute_tokens = m, hour_tokens = h, updated_at = greatest(b.updated_at, p_now)
     where b.bucket = p_bucket;
    return query select ok, m, h;
end $$;
revoke all on rate_limit_bucket from lectern_app;

-- The first response to a mutating request with an `Idempotency-Key`, kept 24 hours. Keys are
-- the caller's own: two API keys of one tenant never share a record, so one key's stored answer can
-- neither stand in for another's request nor skip its role check.
create table idempotency_record (
    tenant_id      uuid not null references tenant (id) on delete cascade,
    -- The API key (or user) that sent the request.
    principal      uuid not null,
    route          text not null,
    idem_key       text not null check (length(idem_key) between 1 and 255),
    request_hash   bytea not null,
    -- HMAC-SHA256 of route and body under the server's secret: a body may hold a password.
    -- Null while the first request is still running.
    status_code    integer,
    response_body  bytea,
    created_at     timestamptz not null,
    expires_at     timestamptz not null,
    primary key (tenant_id, principal, route, idem_key)
);
create index idempotency_record_expiry on idempotency_record (expires_at);

-- Domain events, written in the transaction of the change they announce; webhooks deliver them.
create table event_outbox (
    id            uuid primary key,
    tenant_id     uuid not null references tenant (id) on delete cascade,
    event_type    text not null,
    payload       jsonb not null,
    created_at    timestamptz not null default now(),
    delivered_at  timestamptz
);
create index event_outbox_pending on event_outbox (created_at) where delivered_at is null;
create index event_outbox_tenant on event_outbox (tenant_id, created_at desc);

alter table audit_event add column actor_key_id uuid;
create index audit_event_tenant_action on audit_event (tenant_id, action, created_at desc);

do $$
declare
    t text;
begin
    foreach t in array array['api_key', 'api_key_secret', 'idempotency_record', 'event_outbox']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = lectern_current_tenant())
                        with check (tenant_id = lectern_current_tenant())', t);
    end loop;
end $$;
