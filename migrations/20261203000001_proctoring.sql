-- Proctoring (issue 16): a quiz's mode, the tenant's rules and retention, one session per proctored
-- attempt with the browser's and the server's events, the incidents the rules raise, and the
-- teacher's control of a running attempt (pause, resume, extend, terminate).

alter table quiz
    add column proctoring text not null default 'off' check (proctoring in ('off', 'record', 'strict'));

-- A paused attempt's clock stands still: resuming moves the deadline on by the pause. A terminated
-- attempt is submitted with what it held, and keeps the teacher's reason.
alter table quiz_attempt
    add column paused_at          timestamptz,
    add column terminated_reason  text check (char_length(terminated_reason) <= 500),
    add check (paused_at is null or status = 'in_progress');

-- The tenant's rules (thresholds, as the service's `ProctoringRules`), retention, and whether a
-- learner may read their own timeline once the attempt is over. No row: the defaults.
create table proctoring_policy (
    tenant_id              uuid primary key references tenant (id) on delete cascade,
    rules                  jsonb not null check (jsonb_typeof(rules) = 'object'),
    retention_days         integer not null default 180 check (retention_days between 1 and 3650),
    learner_sees_timeline  boolean not null default false,
    updated_at             timestamptz not null default now()
);

create table proctoring_session (
    id                 uuid not null,
    tenant_id          uuid not null,
    course_id          uuid not null,
    quiz_id            uuid not null,
    attempt_id         uuid not null,
    user_id            uuid not null,
    mode               text not null check (mode in ('record', 'strict')),
    status             text not null default 'active' check (status in ('active', 'closed')),
    ip_address         text check (char_length(ip_address) <= 64),
    user_agent         text check (char_length(user_agent) <= 500),
    -- What the latest request came from: a change from these is a server event.
    last_ip            text check (char_length(last_ip) <= 64),
    last_user_agent    text check (char_length(last_user_agent) <= 500),
    rules_accepted_at  timestamptz,
    started_at         timestamptz not null,
    ended_at           timestamptz,
    -- The latest batch (a heartbeat): a gap longer than the rule's is a server event.
    last_seen_at       timestamptz not null,
    -- The server's own events are numbered apart from the browser's.
    server_sequence    bigint not null default 0,
    -- Batches taken in the current minute, for the per-session rate.
    rate_window        timestamptz not null default 'epoch',
    rate_count         integer not null default 0,
    risk_score         integer not null default 0,
    primary key (tenant_id, id),
    unique (tenant_id, attempt_id),
    foreign key (tenant_id, attempt_id) references quiz_attempt (tenant_id, id) on delete cascade,
    foreign key (tenant_id, course_id, quiz_id) references quiz (tenant_id, course_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references app_user (tenant_id, id) on delete cascade
);
-- A quiz's sessions by risk, as the teacher's list shows them.
create index proctoring_session_quiz on proctoring_session (tenant_id, quiz_id, risk_score desc, started_at desc, id);
create index proctoring_session_tenant on proctoring_session (tenant_id, started_at desc, id);

-- `source` is 'client' (numbered by the browser, which makes a retried batch idempotent) or
-- 'server' (numbered by the session). `occurred_at` is the server's estimate: the receive time less
-- the event's age by the browser's monotonic clock, never before the session began; the browser's
-- wall clock is never read.
create table proctoring_event (
    tenant_id         uuid not null,
    session_id        uuid not null,
    source            text not null check (source in ('client', 'server')),
    sequence          bigint not null check (sequence >= 0),
    kind              text not null check (char_length(kind) <= 40),
    occurred_at       timestamptz not null,
    received_at       timestamptz not null,
    client_offset_ms  bigint,
    data              jsonb not null default '{}'::jsonb check (pg_column_size(data) <= 2048),
    primary key (tenant_id, session_id, source, sequence),
    foreign key (tenant_id, session_id) references proctoring_session (tenant_id, id) on delete cascade
);
create index proctoring_event_timeline on proctoring_event (tenant_id, session_id, occurred_at, source, sequence);
-- The retention sweeper's, across tenants.
create index proctoring_event_age on proctoring_event (received_at);

-- `events` names what caused it: [{"source": …, "sequence": …}]. One incident per rule and session
-- (the rule fires once); a teacher's flags are each their own.
create table proctoring_incident (
    id              uuid not null,
    tenant_id       uuid not null,
    session_id      uuid not null,
    kind            text not null check (char_length(kind) <= 40),
    severity        text not null check (severity in ('low', 'medium', 'high')),
    status          text not null default 'open' check (status in ('open', 'dismissed', 'confirmed')),
    summary         text not null check (char_length(summary) <= 500),
    events          jsonb not null default '[]'::jsonb check (jsonb_typeof(events) = 'array'),
    detected_at     timestamptz not null,
    reviewed_by     uuid,
    reviewed_at     timestamptz,
    review_comment  text check (char_length(review_comment) <= 2000),
    primary key (tenant_id, id),
    foreign key (tenant_id, session_id) references proctoring_session (tenant_id, id) on delete cascade
);
create unique index proctoring_incident_once on proctoring_incident (tenant_id, session_id, kind)
    where kind <> 'teacher_flag';
create index proctoring_incident_session on proctoring_incident (tenant_id, session_id, detected_at);

do $$
declare
    t text;
begin
    foreach t in array array['proctoring_policy', 'proctoring_session', 'proctoring_event', 'proctoring_incident']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = lectern_current_tenant())
                        with check (tenant_id = lectern_current_tenant())', t);
        execute format('grant select, insert, update, delete on %I to lectern_app', t);
    end loop;
end $$;
