-- Webhook deliveries (issue 18): each outbox event, to each enabled endpoint subscribed to it.
-- The worker fans events out into deliveries and claims due ones with FOR UPDATE SKIP LOCKED, so
-- several server processes share the work; a claim is a lease, so a delivery whose process died
-- mid-request is claimed again once the lease ends (at-least-once; receivers dedupe on webhook-id).

-- The start of the endpoint's run of failures (no success between them, none more than a day after
-- the one before) and its latest failure: an endpoint failing for days is disabled, with the
-- reason kept for its admins to read.
alter table webhook_endpoint
    add column failing_since timestamptz,
    add column last_failure_at timestamptz,
    add column disabled_reason text check (char_length(disabled_reason) <= 500);

create table webhook_delivery (
    id               uuid not null,
    tenant_id        uuid not null,
    endpoint_id      uuid not null,
    event_id         uuid not null references event_outbox (id) on delete cascade,
    event_type       text not null,
    status           text not null default 'pending'
                     check (status in ('pending', 'succeeded', 'failed')),
    -- Attempts begun, a claim counting as one; also the claim's token when it is recorded.
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null,
    -- The lease of the process sending it now; '-infinity' when no process holds it.
    claimed_until    timestamptz not null default '-infinity',
    last_attempt_at  timestamptz,
    response_status  integer,
    -- The start of the receiver's answer, as much as the log shows.
    response_body    text check (char_length(response_body) <= 1024),
    latency_ms       integer,
    last_error       text check (char_length(last_error) <= 500),
    redelivery_of    uuid,
    created_at       timestamptz not null,
    finished_at      timestamptz,
    primary key (tenant_id, id),
    foreign key (tenant_id, endpoint_id) references webhook_endpoint (tenant_id, id) on delete cascade
);
-- The claim walks each endpoint's due deliveries, oldest due first, and counts those in flight.
create index webhook_delivery_due
    on webhook_delivery (tenant_id, endpoint_id, next_attempt_at) where status = 'pending';
create index webhook_delivery_leased
    on webhook_delivery (tenant_id, endpoint_id, claimed_until) where status = 'pending';
-- The sweeper's: finished deliveries by age.
create index webhook_delivery_finished on webhook_delivery (finished_at) where status <> 'pending';
-- The delivery log of an endpoint, newest first.
create index webhook_delivery_log
    on webhook_delivery (tenant_id, endpoint_id, created_at desc, id desc);
create index webhook_delivery_event on webhook_delivery (event_id);

-- Wakes the delivery workers as an event commits (once per statement; notifications of one
-- transaction on one channel are sent once, at commit).
create function lectern_outbox_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('lectern_outbox', '');
    return null;
end $$;
create trigger event_outbox_notify after insert on event_outbox
    for each statement execute function lectern_outbox_notify();

alter table webhook_delivery enable row level security;
create policy tenant_isolation on webhook_delivery using (tenant_id = lectern_current_tenant())
    with check (tenant_id = lectern_current_tenant());
grant select, insert, update, delete on webhook_delivery to lectern_app;
