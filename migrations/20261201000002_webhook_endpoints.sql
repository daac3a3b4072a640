-- Webhook endpoints (issue 18): where a tenant's outbox events are delivered. The signing secret
-- is sealed under the server's key (service::webhooks::sealed); after a rotation the previous one
-- keeps signing until `previous_secret_until`, so receivers can switch without losing a delivery.
create table webhook_endpoint (
    id                      uuid not null,
    tenant_id               uuid not null references tenant (id) on delete cascade,
    url                     text not null check (char_length(url) <= 2000),
    description             text not null default '' check (char_length(description) <= 500),
    event_types             text[] not null check (cardinality(event_types) between 1 and 64),
    enabled                 boolean not null default true,
    secret_sealed           text not null,
    previous_secret_sealed  text,
    previous_secret_until   timestamptz,
    created_at              timestamptz not null,
    updated_at              timestamptz not null,
    primary key (tenant_id, id)
);
create index webhook_endpoint_newest on webhook_endpoint (tenant_id, created_at desc, id desc);

alter table webhook_endpoint enable row level security;
create policy tenant_isolation on webhook_endpoint using (tenant_id = lectern_current_tenant())
    with check (tenant_id = lectern_current_tenant());
grant select, insert, update, delete on webhook_endpoint to lectern_app;
