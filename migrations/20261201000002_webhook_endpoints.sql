-- Webhook endpoints (issue 18): where a tenant's outbox events are delivered.
create table webhook_endpoint (
    id            uuid not null,
    tenant_id     uuid not null references tenant (id) on delete cascade,
    url           text not null check (char_length(url) <= 2000),
    description   text not null default '' check (char_length(description) <= 500),
    event_types   text[] not null check (cardinality(event_types) between 1 and 64),
    enabled       boolean not null default true,
    -- Set by the service from the transaction's time, as created_at is.
    created_at    timestamptz not null,
    updated_at    timestamptz not null,
    primary key (tenant_id, id)
);
create index webhook_endpoint_newest on webhook_endpoint (tenant_id, created_at desc, id desc);

-- An endpoint's signing secrets, sealed under the server's key (service::webhooks::sealed). The
-- newest signs; one rotated out keeps signing until `retired_at`, so receivers can switch without
-- losing a delivery, and a second rotation within that time never cuts one still in use.
create table webhook_endpoint_secret (
    id            uuid not null,
    tenant_id     uuid not null,
    endpoint_id   uuid not null,
    sealed        text not null,
    created_at    timestamptz not null,
    retired_at    timestamptz,
    primary key (tenant_id, id),
    foreign key (tenant_id, endpoint_id) references webhook_endpoint (tenant_id, id) on delete cascade
);
create index webhook_endpoint_secret_endpoint
    on webhook_endpoint_secret (tenant_id, endpoint_id, created_at desc);

do $$
declare
    t text;
begin
    foreach t in array array['webhook_endpoint', 'webhook_endpoint_secret']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = lectern_current_tenant())
                        with check (tenant_id = lectern_current_tenant())', t);
        execute format('grant select, insert, update, delete on %I to lectern_app', t);
    end loop;
end $$;
