-- Quizzes: settings, ordered questions, attempts timed by the server, answers saved one by one
-- under a revision, grading and score overrides.

alter table quiz
    add column instructions             text not null default '' check (length(instructions) <= 20000),
    add column time_limit_minutes       integer check (time_limit_minutes between 1 and 1440),
    add column opens_at                 timestamptz,
    add column closes_at                timestamptz,
    add column shuffle_questions        boolean not null default false,
    add column shuffle_options          boolean not null default false,
    add column show_answers             text not null default 'after_attempt'
        check (show_answers in ('after_attempt', 'after_close', 'never')),
    add column status                   text not null default 'draft' check (status in ('draft', 'published')),
    add column required_for_completion  boolean not null default false,
    add column version                  integer not null default 1,
    add column published_at             timestamptz,
    add constraint quiz_window check (opens_at is null or closes_at is null or opens_at < closes_at),
    add constraint quiz_tenant_id unique (tenant_id, id),
    add constraint quiz_tenant_course_id unique (tenant_id, course_id, id);
update quiz set time_limit_minutes = greatest(1, ceil(time_limit_seconds / 60.0)::integer)
    where time_limit_seconds is not null;
-- The seeded quiz was published in all but name.
update quiz set status = 'published', published_at = created_at;
alter table quiz drop column time_limit_seconds;
alter table quiz drop constraint quiz_passing_score_check;
alter table quiz add constraint quiz_passing_score_check check (passing_score between 1 and 100);
create index quiz_course on quiz (tenant_id, course_id, created_at, id);

-- `body` holds what depends on the kind (options with their correctness, accepted texts, the
-- numeric value and tolerance); the service validates it. Positions are unique within the quiz,
-- checked at commit so a reorder can move every row in one statement.
create table quiz_question (
    id          uuid primary key,
    tenant_id   uuid not null,
    course_id   uuid not null,
    quiz_id     uuid not null,
    position    integer not null check (position >= 0),
    kind        text not null check (kind in ('single_choice', 'multiple_choice', 'true_false',
                                              'short_text', 'numeric', 'essay')),
    prompt      text not null check (length(prompt) between 1 and 5000),
    points      integer not null default 1 check (points between 1 and 1000),
    body        jsonb not null default '{}'::jsonb check (jsonb_typeof(body) = 'object'),
    version     integer not null default 1,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, id),
    constraint quiz_question_position unique (tenant_id, quiz_id, position) deferrable initially deferred,
    foreign key (tenant_id, course_id, quiz_id) references quiz (tenant_id, course_id, id) on delete cascade
);
create trigger quiz_question_updated_at before update on quiz_question for each row execute function lectern_touch_updated_at();

-- An attempt keeps the questions exactly as it showed them (`questions`, in the order shown, with
-- the options in the order shown), so editing a question later never changes a result. Times come
-- from the server's one clock; `deadline_at` is null for an untimed quiz.
create table quiz_attempt (
    id              uuid primary key,
    tenant_id       uuid not null,
    course_id       uuid not null,
    quiz_id         uuid not null,
    user_id         uuid not null,
    preview         boolean not null default false,
    status          text not null default 'in_progress'
        check (status in ('in_progress', 'submitted', 'graded')),
    questions       jsonb not null check (jsonb_typeof(questions) = 'array'),
    started_at      timestamptz not null,
    deadline_at     timestamptz,
    submitted_at    timestamptz,
    auto_submitted  boolean not null default false,
    graded_at       timestamptz,
    points          double precision,
    max_points      double precision not null,
    score           double precision check (score between 0 and 100),
    passed          boolean,
    override_reason text,
    unique (tenant_id, id),
    check ((status = 'in_progress') = (submitted_at is null)),
    foreign key (tenant_id, course_id, quiz_id) references quiz (tenant_id, course_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references app_user (tenant_id, id) on delete cascade
);
-- One attempt in progress per learner and quiz; previews never count and are not limited.
create unique index quiz_attempt_one_open on quiz_attempt (tenant_id, quiz_id, user_id)
    where status = 'in_progress' and not preview;
create index quiz_attempt_learner on quiz_attempt (tenant_id, quiz_id, user_id, started_at desc);
create index quiz_attempt_quiz on quiz_attempt (tenant_id, quiz_id, started_at desc, id desc);
-- What the deadline sweeper scans, across tenants.
create index quiz_attempt_due on quiz_attempt (deadline_at) where status = 'in_progress';

-- One row per answered question of an attempt. `revision` counts the saves that changed it: a save
-- that names an older revision is not applied. `result`, `points` and `comment` are the grading.
create table quiz_answer (
    tenant_id    uuid not null,
    attempt_id   uuid not null,
    question_id  uuid not null,
    -- Null for a question left unanswered, graded at submission.
    response     jsonb,
    revision     integer not null default 1,
    saved_at     timestamptz,
    result       text check (result in ('correct', 'incorrect', 'partial', 'pending')),
    points       double precision,
    comment      text check (length(comment) <= 5000),
    primary key (tenant_id, attempt_id, question_id),
    foreign key (tenant_id, attempt_id) references quiz_attempt (tenant_id, id) on delete cascade
);

do $$
declare
    t text;
begin
    foreach t in array array['quiz_question', 'quiz_attempt', 'quiz_answer']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = lectern_current_tenant())
                        with check (tenant_id = lectern_current_tenant())', t);
        execute format('grant select, insert, update, delete on %I to lectern_app', t);
    end loop;
end $$;

-- Quiz ids are `asmnt_…` now (the Assessments API's prefix); lesson blocks name quizzes by id.
update lesson set blocks = replace(blocks::text, '"quz_', '"asmnt_')::jsonb
    where blocks::text like '%"quz\_%';
