-- Courses: authoring (modules, lessons, content blocks in order), staff, the searchable catalog,
-- enrolments and lesson progress.

-- `version` makes edits optimistic: an update names the version it read and loses to any change
-- made since, instead of silently overwriting it.
alter table course
    add column cover_color          text not null default 'blue'
        check (cover_color in ('blue', 'green', 'amber', 'rose', 'violet', 'slate')),
    add column cover_image_url      text check (cover_image_url ~ '^https://' and length(cover_image_url) <= 2000),
    add column self_enrollment      boolean not null default true,
    add column version              integer not null default 1,
    add column published_at         timestamptz,
    add column archived_at          timestamptz,
    add column search               tsvector generated always as (
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', summary), 'B')
    ) stored,
    add constraint course_summary_length check (length(summary) <= 2000),
    add constraint course_slug_format check (slug ~ '^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$');
-- A course made through an API key may have no owning user: admins and teacher keys edit it.
alter table course alter column owner_id drop not null;
create index course_search on course using gin (search);
create index course_tenant_status on course (tenant_id, status, created_at desc, id desc);

-- Teachers besides the owner who may edit a course.
create table course_staff (
    tenant_id   uuid not null,
    course_id   uuid not null,
    user_id     uuid not null,
    added_at    timestamptz not null default now(),
    primary key (tenant_id, course_id, user_id),
    foreign key (tenant_id, course_id) references course (tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references app_user (tenant_id, id) on delete cascade
);

-- Positions are unique within their parent, checked at commit so a reorder can move every row in
-- one statement.
create table course_module (
    id          uuid primary key,
    tenant_id   uuid not null,
    course_id   uuid not null,
    title       text not null check (length(title) between 1 and 200),
    position    integer not null check (position >= 0),
    version     integer not null default 1,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, id),
    unique (tenant_id, course_id, id),
    constraint course_module_position unique (tenant_id, course_id, position) deferrable initially deferred,
    foreign key (tenant_id, course_id) references course (tenant_id, id) on delete cascade
);
create trigger course_module_updated_at before update on course_module for each row execute function lectern_touch_updated_at();

-- A lesson's content is an ordered list of typed blocks (markdown, video, file, quiz), validated by
-- the service; it is read and written whole, under the lesson's version.
create table lesson (
    id          uuid primary key,
    tenant_id   uuid not null,
    course_id   uuid not null,
    module_id   uuid not null,
    title       text not null check (length(title) between 1 and 200),
    position    integer not null check (position >= 0),
    blocks      jsonb not null default '[]'::jsonb check (jsonb_typeof(blocks) = 'array'),
    version     integer not null default 1,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, id),
    constraint lesson_position unique (tenant_id, module_id, position) deferrable initially deferred,
    foreign key (tenant_id, course_id, module_id) references course_module (tenant_id, course_id, id) on delete cascade
);
create index lesson_course on lesson (tenant_id, course_id);
create trigger lesson_updated_at before update on lesson for each row execute function lectern_touch_updated_at();

create table enrollment (
    id            uuid primary key,
    tenant_id     uuid not null,
    course_id     uuid not null,
    user_id       uuid not null,
    status        text not null default 'active' check (status in ('active', 'completed', 'withdrawn')),
    enrolled_at   timestamptz not null,
    completed_at  timestamptz,
    withdrawn_at  timestamptz,
    updated_at    timestamptz not null default now(),
    unique (tenant_id, id),
    constraint enrollment_once unique (tenant_id, course_id, user_id),
    foreign key (tenant_id, course_id) references course (tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references app_user (tenant_id, id) on delete cascade
);
create index enrollment_user on enrollment (tenant_id, user_id, status);
create trigger enrollment_updated_at before update on enrollment for each row execute function lectern_touch_updated_at();

create table lesson_completion (
    tenant_id     uuid not null,
    user_id       uuid not null,
    lesson_id     uuid not null,
    course_id     uuid not null,
    completed_at  timestamptz not null,
    primary key (tenant_id, user_id, lesson_id),
    foreign key (tenant_id, lesson_id) references lesson (tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references app_user (tenant_id, id) on delete cascade
);
create index lesson_completion_course on lesson_completion (tenant_id, user_id, course_id);

do $$
declare
    t text;
begin
    foreach t in array array['course_staff', 'course_module', 'lesson', 'enrollment', 'lesson_completion']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = lectern_current_tenant())
                        with check (tenant_id = lectern_current_tenant())', t);
        execute format('grant select, insert, update, delete on %I to lectern_app', t);
    end loop;
end $$;
