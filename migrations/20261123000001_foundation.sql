-- Tenants, users, sessions, sign-in throttling, password reset, mail outbox, audit.
--
-- Row-level security is the second wall behind the service layer's tenant filters: the service runs
-- every tenant transaction as `lectern_app` with `app.tenant_id` set locally, so a query that forgets
-- its filter still sees one tenant. Platform-level work (resolving a tenant by slug at sign-in, the
-- mail sender, the developer mailbox) runs as the connecting role, which owns the tables.

-- Roles are cluster-wide and parallel test databases run this concurrently: tolerate the race.
do $$
begin
    create role lectern_app nologin;
exception when duplicate_object or unique_violation then null;
end $$;

do $$
begin
    if not pg_has_role(current_user, 'lectern_app', 'member') then
        execute format('grant lectern_app to %I', current_user);
    end if;
end $$;

alter default privileges in schema public grant select, insert, update, delete on tables to lectern_app;
grant usage on schema public to lectern_app;

create function lectern_current_tenant() returns uuid
    language sql stable
    as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;

create function lectern_touch_updated_at() returns trigger
    language plpgsql
    as $$ begin new.updated_at = now(); return new; end $$;

create table tenant (
    id                  uuid primary key,
    slug                text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$'),
    name                text not null check (length(name) between 1 and 200),
    status              text not null default 'active' check (status in ('active', 'suspended')),
    is_test             boolean not null default false,
    max_users           integer not null default 10000 check (max_users > 0),
    requests_per_minute integer not null default 600 check (requests_per_minute > 0),
    requests_per_hour   integer not null default 10000 check (requests_per_hour > 0),
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now()
);
create trigger tenant_updated_at before update on tenant for each row execute function lectern_touch_updated_at();

create table app_user (
    id                uuid primary key,
    tenant_id         uuid not null references tenant (id) on delete cascade,
    email             text not null check (email = lower(email) and length(email) between 3 and 254),
    name              text not null check (length(name) between 1 and 100),
    role              text not null check (role in ('student', 'teacher', 'admin')),
    status            text not null default 'active' check (status in ('active', 'deactivated')),
    -- Null until an invited user sets a password (or for users who only sign in through SSO).
    password_hash     text,
    last_sign_in_at   timestamptz,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    constraint app_user_email_unique unique (tenant_id, email),
    -- Lets child tables reference (tenant_id, id), so a row can never point into another tenant.
    unique (tenant_id, id)
);
create index app_user_tenant_name on app_user (tenant_id, lower(name), id);
create trigger app_user_updated_at before update on app_user for each row execute function lectern_touch_updated_at();

create table auth_session (
    id           uuid primary key,
    tenant_id    uuid not null,
    user_id      uuid not null,
    created_at   timestamptz not null default now(),
    expires_at   timestamptz not null,
    revoked_at   timestamptz,
    ip           inet,
    user_agent   text,
    foreign key (tenant_id, user_id) references app_user (tenant_id, id) on delete cascade
);
create index auth_session_user on auth_session (tenant_id, user_id) where revoked_at is null;

create table sign_in_failure (
    id            uuid primary key,
    tenant_id     uuid not null references tenant (id) on delete cascade,
    email         text not null,
    ip            inet,
    attempted_at  timestamptz not null
);
create index sign_in_failure_email on sign_in_failure (tenant_id, email, attempted_at);
create index sign_in_failure_ip on sign_in_failure (tenant_id, ip, attempted_at);

create table password_reset_token (
    id          uuid primary key,
    tenant_id   uuid not null,
    user_id     uuid not null,
    token_hash  bytea not null unique,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    used_at     timestamptz,
    foreign key (tenant_id, user_id) references app_user (tenant_id, id) on delete cascade
);

create table mail_outbox (
    id          uuid primary key,
    tenant_id   uuid not null references tenant (id) on delete cascade,
    to_address  text not null,
    subject     text not null,
    body_text   text not null,
    body_html   text not null,
    created_at  timestamptz not null default now(),
    sent_at     timestamptz,
    attempts    integer not null default 0,
    last_error  text
);
create index mail_outbox_unsent on mail_outbox (created_at) where sent_at is null;

create table audit_event (
    id           uuid primary key,
    tenant_id    uuid not null references tenant (id) on delete cascade,
    actor_user_id uuid,
    action       text not null,
    target_type  text,
    target_id    uuid,
    ip           inet,
    request_id   text,
    data         jsonb not null default '{}'::jsonb,
    created_at   timestamptz not null default now()
);
create index audit_event_tenant_time on audit_event (tenant_id, created_at desc, id desc);

-- A minimal course and quiz, enough for the demo seed; the courses and quizzes issues extend them.
create table course (
    id          uuid primary key,
    tenant_id   uuid not null references tenant (id) on delete cascade,
    slug        text not null,
    title       text not null check (length(title) between 3 and 200),
    summary     text not null default '',
    status      text not null default 'draft' check (status in ('draft', 'published', 'archived')),
    owner_id    uuid not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, slug),
    unique (tenant_id, id),
    foreign key (tenant_id, owner_id) references app_user (tenant_id, id)
);
create trigger course_updated_at before update on course for each row execute function lectern_touch_updated_at();

create table quiz (
    id                  uuid primary key,
    tenant_id           uuid not null,
    course_id           uuid not null,
    title               text not null check (length(title) between 3 and 200),
    time_limit_seconds  integer check (time_limit_seconds > 0),
    passing_score       integer not null default 70 check (passing_score between 0 and 100),
    max_attempts        integer check (max_attempts > 0),
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    foreign key (tenant_id, course_id) references course (tenant_id, id) on delete cascade
);
create trigger quiz_updated_at before update on quiz for each row execute function lectern_touch_updated_at();

-- The tenant row is visible to its own tenant only; the others are isolated by tenant_id.
alter table tenant enable row level security;
create policy tenant_isolation on tenant using (id = lectern_current_tenant());

do $$
declare
    t text;
begin
    foreach t in array array['app_user', 'auth_session', 'sign_in_failure', 'password_reset_token',
                             'mail_outbox', 'audit_event', 'course', 'quiz']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = lectern_current_tenant())
                        with check (tenant_id = lectern_current_tenant())', t);
    end loop;
end $$;

grant select, insert, update, delete on all tables in schema public to lectern_app;
-- Audit rows are append-only for the application.
revoke update, delete on audit_event from lectern_app;
-- Status and limits are the platform operator's; the application may only rename its tenant (and
-- needs an updatable column to lock the row, which serialises admin changes).
revoke insert, update, delete on tenant from lectern_app;
grant update (name) on tenant to lectern_app;
do $$
begin
    if to_regclass('_sqlx_migrations') is not null then
        revoke all on _sqlx_migrations from lectern_app;
    end if;
end $$;
