-- The API at scale (issue 20): credentials cached in each process and tenants' tokens leased in
-- batches, so an authenticated request normally costs no database round trip.

-- Buckets are a rate limiter's short memory: after a crash every bucket may start full again, which
-- a limit of requests per minute tolerates. Unlogged, a bucket's update writes no WAL and its
-- commit waits for no flush.
alter table rate_limit_bucket set unlogged;

-- Takes up to `p_want` tokens from both of a bucket's windows at once (as many as both hold, maybe
-- none) after giving back `p_give_back` tokens a process leased and did not spend. A process spends
-- its lease locally, so a tenant never gets more than its limit; the row lock serialises leases.
create function lectern_lease_tokens(p_bucket text, p_per_minute integer, p_per_hour integer,
                                     p_now timestamptz, p_want integer, p_give_back integer)
    returns table (granted integer, minute_tokens double precision, hour_tokens double precision)
    language plpgsql
    security definer
    set search_path = pg_catalog, public, pg_temp
as $$
declare
    m double precision;
    h double precision;
    elapsed double precision;
    n integer;
begin
    insert into rate_limit_bucket (bucket, minute_tokens, hour_tokens, updated_at)
    values (p_bucket, p_per_minute, p_per_hour, p_now)
    on conflict (bucket) do nothing;
    select b.minute_tokens, b.hour_tokens, greatest(extract(epoch from p_now - b.updated_at), 0)
      into m, h, elapsed
      from rate_limit_bucket b where b.bucket = p_bucket for update;
    m := least(p_per_minute::double precision, m + elapsed * p_per_minute / 60.0 + greatest(p_give_back, 0));
    h := least(p_per_hour::double precision, h + elapsed * p_per_hour / 3600.0 + greatest(p_give_back, 0));
    n := greatest(0, least(p_want, floor(m)::integer, floor(h)::integer));
    m := m - n;
    h := h - n;
    update rate_limit_bucket b
       set minute_tokens = m, hour_tokens = h, updated_at = greatest(b.updated_at, p_now)
     where b.bucket = p_bucket;
    return query select n, m, h;
end $$;
revoke execute on function lectern_lease_tokens(text, integer, integer, timestamptz, integer, integer) from public;
grant execute on function lectern_lease_tokens(text, integer, integer, timestamptz, integer, integer) to lectern_app;

-- One token at a time (public endpoints) is a lease of one that gives nothing back: the bucket's
-- arithmetic lives in `lectern_lease_tokens` only.
create or replace function lectern_take_token(p_bucket text, p_per_minute integer, p_per_hour integer, p_now timestamptz)
    returns table (allowed boolean, minute_tokens double precision, hour_tokens double precision)
    language sql
    security definer
    set search_path = pg_catalog, public, pg_temp
as $$
    select l.granted > 0, l.minute_tokens, l.hour_tokens
      from lectern_lease_tokens(p_bucket, p_per_minute, p_per_hour, p_now, 1, 0) l
$$;

-- Every change that can make a cached credential wrong is announced on `lectern_credentials` as it
-- commits (NOTIFY is transactional), whichever path made it: the service, the operator's commands,
-- or psql. Each server process empties its credential cache when it hears one. `last_used_at` and
-- `prefix` are not among the watched columns: they change nothing a request is allowed to do.
create function lectern_announce_credentials() returns trigger
    language plpgsql
    set search_path = pg_catalog, public, pg_temp
as $$
begin
    perform pg_notify('lectern_credentials', tg_table_name);
    return null;
end $$;

create trigger api_key_credentials_changed
    after update of revoked_at, expires_at, role, tenant_id or delete on api_key
    for each statement execute function lectern_announce_credentials();
create trigger api_key_secret_credentials_changed
    after update or delete on api_key_secret
    for each statement execute function lectern_announce_credentials();
create trigger tenant_credentials_changed
    after update of status, requests_per_minute, requests_per_hour or delete on tenant
    for each statement execute function lectern_announce_credentials();
