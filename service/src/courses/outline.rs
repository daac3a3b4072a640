//! A course's outline: modules in order, lessons in order within them, and each lesson's blocks.
//! Structural changes lock the course row first, so concurrent editors cannot interleave positions;
//! renames and content edits carry the version they were made against.

use domain::course::{self, Block, LessonView, ModuleView};
use domain::{CourseId, LessonId, ModuleId, QuizId};
use serde_json::json;
use uuid::Uuid;

use super::access::{self, check_version};
use crate::audit::{self, AuditEntry};
use crate::db::{new_id, tenant_tx, Tx};
use crate::{Caller, ServiceError, Store};

pub const MAX_MODULES: i64 = 200;
pub const MAX_LESSONS_PER_MODULE: i64 = 200;

/// Every module of a course with its lessons, in order; lesson content only for a caller whose
/// access reads it (the one rule, [`access::CourseAccess::reads_content`]).
pub async fn load(
    tx: &mut Tx,
    caller: &Caller,
    access: &access::CourseAccess,
) -> Result<Vec<ModuleView>, ServiceError> {
    let course = access.id;
    let modules = sqlx::query!(
        "select id, title, position, version from course_module where tenant_id = $1 and course_id = $2 order by position, id",
        caller.tenant_id.as_uuid(),
        course
    )
    .fetch_all(&mut **tx)
    .await?;
    let lessons = sqlx::query!(
        "select id, module_id, title, position, version, blocks from lesson where tenant_id = $1 and course_id = $2 order by position, id",
        caller.tenant_id.as_uuid(),
        course
    )
    .fetch_all(&mut **tx)
    .await?;
    let course_id = CourseId::from_uuid(course);
    let mut views: Vec<ModuleView> = modules
        .into_iter()
        .map(|m| ModuleView {
            id: ModuleId::from_uuid(m.id),
            course_id,
            title: m.title,
            position: m.position,
            version: m.version,
            lessons: Vec::new(),
        })
        .collect();
    for l in lessons {
        let lesson = LessonView {
            id: LessonId::from_uuid(l.id),
            module_id: ModuleId::from_uuid(l.module_id),
            course_id,
            title: l.title,
            position: l.position,
            version: l.version,
            blocks: match access.reads_content() {
                true => Some(blocks_from_json(l.blocks)?),
                false => None,
            },
        };
        if let Some(module) = views.iter_mut().find(|m| m.id == lesson.module_id) {
            module.lessons.push(lesson);
        }
    }
    Ok(views)
}

fn blocks_from_json(value: serde_json::Value) -> Result<Vec<Block>, ServiceError> {
    serde_json::from_value(value)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("stored lesson blocks: {e}")))
}

/// The course a module belongs to, or not found.
async fn module_course(tx: &mut Tx, caller: &Caller, id: ModuleId) -> Result<Uuid, ServiceError> {
    sqlx::query_scalar!(
        "select course_id from course_module where tenant_id = $1 and id = $2",
        caller.tenant_id.as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)
}

pub(crate) async fn lesson_course(
    tx: &mut Tx,
    caller: &Caller,
    id: LessonId,
) -> Result<Uuid, ServiceError> {
    sqlx::query_scalar!(
        "select course_id from lesson where tenant_id = $1 and id = $2",
        caller.tenant_id.as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)
}

/// Opens an editing transaction on a course: visible, editable, and locked.
async fn edit(
    store: &Store,
    caller: &Caller,
    course: CourseId,
) -> Result<(Tx, access::CourseAccess), ServiceError> {
    caller.require_teacher()?;
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    let access = access::load(&mut tx, caller, course, true).await?;
    access.require_edit()?;
    Ok((tx, access))
}

/// Opens an editing transaction on the course that holds a module; answers that course's access.
async fn edit_module(
    store: &Store,
    caller: &Caller,
    module: ModuleId,
) -> Result<(Tx, access::CourseAccess), ServiceError> {
    caller.require_teacher()?;
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    let course = module_course(&mut tx, caller, module).await?;
    let access = lock_for_edit(&mut tx, caller, course).await?;
    Ok((tx, access))
}

/// Opens an editing transaction on the course that holds a lesson; answers that course's access.
async fn edit_lesson(
    store: &Store,
    caller: &Caller,
    lesson: LessonId,
) -> Result<(Tx, access::CourseAccess), ServiceError> {
    caller.require_teacher()?;
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    let course = lesson_course(&mut tx, caller, lesson).await?;
    let access = lock_for_edit(&mut tx, caller, course).await?;
    Ok((tx, access))
}

async fn lock_for_edit(
    tx: &mut Tx,
    caller: &Caller,
    course: Uuid,
) -> Result<access::CourseAccess, ServiceError> {
    let access = access::load(tx, caller, CourseId::from_uuid(course), true).await?;
    access.require_edit()?;
    Ok(access)
}

async fn record(
    tx: &mut Tx,
    caller: &Caller,
    action: &str,
    target_type: &str,
    target: Uuid,
    data: serde_json::Value,
) -> Result<(), ServiceError> {
    audit::record(
        tx,
        caller,
        AuditEntry {
            action,
            target_type: Some(target_type),
            target_id: Some(target),
            data,
        },
    )
    .await
}

pub async fn list_modules(
    caller: &Caller,
    store: &Store,
    course: CourseId,
) -> Result<Vec<ModuleView>, ServiceError> {
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    let access = access::load(&mut tx, caller, course, false).await?;
    let modules = load(&mut tx, caller, &access).await?;
    tx.commit().await?;
    Ok(modules)
}

/// Adds a module at the end of the course.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn add_module(
    caller: &Caller,
    store: &Store,
    course: CourseId,
    title: &str,
) -> Result<ModuleView, ServiceError> {
    let title = course::item_title("title", title)?;
    let (mut tx, access) = edit(store, caller, course).await?;
    let (count, next) = sqlx::query!(
        r#"select count(*) as "count!", coalesce(max(position) + 1, 0) as "next!" from course_module where tenant_id = $1 and course_id = $2"#,
        caller.tenant_id.as_uuid(),
        course.as_uuid()
    )
    .fetch_one(&mut *tx)
    .await
    .map(|r| (r.count, r.next))?;
    if count >= MAX_MODULES {
        return Err(ServiceError::invalid(
            "title",
            "A course can hold at most 200 modules.",
        ));
    }
    let id = new_id();
    sqlx::query!(
        "insert into course_module (id, tenant_id, course_id, title, position) values ($1, $2, $3, $4, $5)",
        id,
        caller.tenant_id.as_uuid(),
        course.as_uuid(),
        title,
        next
    )
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        caller,
        "module.created",
        "module",
        id,
        json!({ "course_id": course, "title": title }),
    )
    .await?;
    let module = find_module(&mut tx, caller, &access, id).await?;
    tx.commit().await?;
    Ok(module)
}

async fn find_module(
    tx: &mut Tx,
    caller: &Caller,
    access: &access::CourseAccess,
    id: Uuid,
) -> Result<ModuleView, ServiceError> {
    load(tx, caller, access)
        .await?
        .into_iter()
        .find(|m| m.id.as_uuid() == id)
        .ok_or(ServiceError::NotFound)
}

pub async fn get_module(
    caller: &Caller,
    store: &Store,
    id: ModuleId,
) -> Result<ModuleView, ServiceError> {
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    let course = module_course(&mut tx, caller, id).await?;
    let access = access::load(&mut tx, caller, CourseId::from_uuid(course), false).await?;
    let module = find_module(&mut tx, caller, &access, id.as_uuid()).await?;
    tx.commit().await?;
    Ok(module)
}

/// Renames a module, refused if it changed since `version`.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn rename_module(
    caller: &Caller,
    store: &Store,
    id: ModuleId,
    title: &str,
    version: Option<i32>,
) -> Result<ModuleView, ServiceError> {
    let title = course::item_title("title", title)?;
    let (mut tx, access) = edit_module(store, caller, id).await?;
    let current = sqlx::query_scalar!(
        "select version from course_module where tenant_id = $1 and id = $2",
        caller.tenant_id.as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    check_version(version, current, "module")?;
    sqlx::query!(
        "update course_module set title = $3, version = version + 1 where tenant_id = $1 and id = $2",
        caller.tenant_id.as_uuid(),
        id.as_uuid(),
        title
    )
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        caller,
        "module.renamed",
        "module",
        id.as_uuid(),
        json!({ "title": title }),
    )
    .await?;
    let module = find_module(&mut tx, caller, &access, id.as_uuid()).await?;
    tx.commit().await?;
    Ok(module)
}

/// Deletes a module with its lessons (and the learners' completions of them).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn delete_module(
    caller: &Caller,
    store: &Store,
    id: ModuleId,
) -> Result<(), ServiceError> {
    let (mut tx, _) = edit_module(store, caller, id).await?;
    let title = sqlx::query_scalar!(
        "delete from course_module where tenant_id = $1 and id = $2 returning title",
        caller.tenant_id.as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    record(
        &mut tx,
        caller,
        "module.deleted",
        "module",
        id.as_uuid(),
        json!({ "title": title }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks that `ids` names each of `current` exactly once.
fn same_set<T: PartialEq + Copy>(ids: &[T], current: &[T], what: &str) -> Result<(), ServiceError> {
    let complete = ids.len() == current.len()
        && current
            .iter()
            .all(|c| ids.iter().filter(|i| *i == c).count() == 1);
    if complete {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "ids",
            &format!(
                "List each of the {} {what} exactly once, in the new order (someone may have added or removed one: reload).",
                current.len()
            ),
        ))
    }
}

/// Puts a course's modules in the order of `ids`, which must name each of them once.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn reorder_modules(
    caller: &Caller,
    store: &Store,
    course: CourseId,
    ids: Vec<ModuleId>,
) -> Result<Vec<ModuleView>, ServiceError> {
    let (mut tx, access) = edit(store, caller, course).await?;
    let current: Vec<ModuleId> = sqlx::query_scalar!(
        "select id from course_module where tenant_id = $1 and course_id = $2",
        caller.tenant_id.as_uuid(),
        course.as_uuid()
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(ModuleId::from_uuid)
    .collect();
    same_set(&ids, &current, "modules")?;
    let uuids: Vec<Uuid> = ids.iter().map(ModuleId::as_uuid).collect();
    sqlx::query!(
        "update course_module m set position = (o.ord - 1)::int
         from unnest($3::uuid[]) with ordinality as o(id, ord)
         where m.tenant_id = $1 and m.course_id = $2 and m.id = o.id",
        caller.tenant_id.as_uuid(),
        course.as_uuid(),
        &uuids
    )
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        caller,
        "module.reordered",
        "course",
        course.as_uuid(),
        json!({ "order": ids }),
    )
    .await?;
    let modules = load(&mut tx, caller, &access).await?;
    tx.commit().await?;
    Ok(modules)
}

pub async fn list_lessons(
    caller: &Caller,
    store: &Store,
    module: ModuleId,
) -> Result<Vec<LessonView>, ServiceError> {
    Ok(get_module(caller, store, module).await?.lessons)
}

/// A lesson's new content.
#[derive(Debug, Clone, Default)]
pub struct LessonInput {
    pub title: Option<String>,
    pub blocks: Option<Vec<Block>>,
    /// Moves the lesson to the end of another module of the same course.
    pub module_id: Option<ModuleId>,
    pub version: Option<i32>,
}

impl LessonInput {
    pub fn parse(
        title: Option<&str>,
        blocks: Option<Vec<Block>>,
        module_id: Option<ModuleId>,
        version: Option<i32>,
    ) -> Result<LessonInput, ServiceError> {
        let mut errors = Vec::new();
        let title = title.and_then(|t| {
            course::item_title("title", t)
                .map_err(|e| errors.push(e))
                .ok()
        });
        let blocks = match blocks.map(Block::parse_all) {
            Some(Ok(blocks)) => Some(blocks),
            Some(Err(mut e)) => {
                errors.append(&mut e);
                None
            }
            None => None,
        };
        if errors.is_empty() {
            Ok(LessonInput {
                title,
                blocks,
                module_id,
                version,
            })
        } else {
            Err(ServiceError::Validation(errors))
        }
    }
}

/// Quiz blocks may only name quizzes of the lesson's own course.
async fn check_quizzes(
    tx: &mut Tx,
    caller: &Caller,
    course: Uuid,
    blocks: &[Block],
) -> Result<(), ServiceError> {
    for (i, block) in blocks.iter().enumerate() {
        if let Block::Quiz { quiz_id } = block {
            if !quiz_in_course(tx, caller, course, *quiz_id).await? {
                return Err(ServiceError::invalid(
                    &format!("blocks[{i}].quiz_id"),
                    "No quiz of this course has this id.",
                ));
            }
        }
    }
    Ok(())
}

async fn quiz_in_course(
    tx: &mut Tx,
    caller: &Caller,
    course: Uuid,
    quiz: QuizId,
) -> Result<bool, ServiceError> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from quiz where tenant_id = $1 and course_id = $2 and id = $3) as "found!""#,
        caller.tenant_id.as_uuid(),
        course,
        quiz.as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Adds a lesson at the end of a module.
#[tracing::instrument(skip(store, input), fields(tenant_id = %caller.tenant_id))]
pub async fn add_lesson(
    caller: &Caller,
    store: &Store,
    module: ModuleId,
    input: LessonInput,
) -> Result<LessonView, ServiceError> {
    let Some(title) = input.title else {
        return Err(ServiceError::invalid("title", "The title cannot be empty."));
    };
    let (mut tx, access) = edit_module(store, caller, module).await?;
    let course = access.id;
    let blocks = input.blocks.unwrap_or_default();
    check_quizzes(&mut tx, caller, course, &blocks).await?;
    let (count, next) = sqlx::query!(
        r#"select count(*) as "count!", coalesce(max(position) + 1, 0) as "next!" from lesson where tenant_id = $1 and module_id = $2"#,
        caller.tenant_id.as_uuid(),
        module.as_uuid()
    )
    .fetch_one(&mut *tx)
    .await
    .map(|r| (r.count, r.next))?;
    if count >= MAX_LESSONS_PER_MODULE {
        return Err(ServiceError::invalid(
            "title",
            "A module can hold at most 200 lessons.",
        ));
    }
    let id = new_id();
    sqlx::query!(
        "insert into lesson (id, tenant_id, course_id, module_id, title, position, blocks) values ($1, $2, $3, $4, $5, $6, $7)",
        id,
        caller.tenant_id.as_uuid(),
        course,
        module.as_uuid(),
        title,
        next,
        json!(blocks)
    )
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        caller,
        "lesson.created",
        "lesson",
        id,
        json!({ "module_id": module, "title": title }),
    )
    .await?;
    let lesson = find_lesson(&mut tx, caller, course, id).await?;
    tx.commit().await?;
    Ok(lesson)
}

async fn find_lesson(
    tx: &mut Tx,
    caller: &Caller,
    course: Uuid,
    id: Uuid,
) -> Result<LessonView, ServiceError> {
    let r = sqlx::query!(
        "select id, module_id, title, position, version, blocks from lesson where tenant_id = $1 and id = $2",
        caller.tenant_id.as_uuid(),
        id
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    Ok(LessonView {
        id: LessonId::from_uuid(r.id),
        module_id: ModuleId::from_uuid(r.module_id),
        course_id: CourseId::from_uuid(course),
        title: r.title,
        position: r.position,
        version: r.version,
        // Every caller of this one edits the lesson or passed `require_content`.
        blocks: Some(blocks_from_json(r.blocks)?),
    })
}

/// Reads a lesson as an editor or an integration sees it (raw blocks). Students read lessons
/// through the learner's page, which needs an enrolment.
pub async fn get_lesson(
    caller: &Caller,
    store: &Store,
    id: LessonId,
) -> Result<LessonView, ServiceError> {
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    let course = lesson_course(&mut tx, caller, id).await?;
    let access = access::load(&mut tx, caller, CourseId::from_uuid(course), false).await?;
    access.require_content()?;
    let lesson = find_lesson(&mut tx, caller, course, id.as_uuid()).await?;
    tx.commit().await?;
    Ok(lesson)
}

/// Changes a lesson's title, content or module, refused if it changed since `version`.
#[tracing::instrument(skip(store, input), fields(tenant_id = %caller.tenant_id))]
pub async fn update_lesson(
    caller: &Caller,
    store: &Store,
    id: LessonId,
    input: LessonInput,
) -> Result<LessonView, ServiceError> {
    let (mut tx, access) = edit_lesson(store, caller, id).await?;
    let course = access.id;
    let current = find_lesson(&mut tx, caller, course, id.as_uuid()).await?;
    check_version(input.version, current.version, "lesson")?;
    if let Some(blocks) = &input.blocks {
        check_quizzes(&mut tx, caller, course, blocks).await?;
    }
    let target_module = match input.module_id {
        Some(module) if module != current.module_id => {
            let target_course = module_course(&mut tx, caller, module).await.map_err(|_| {
                ServiceError::invalid("module_id", "No module of this course has this id.")
            })?;
            if target_course != course {
                return Err(ServiceError::invalid(
                    "module_id",
                    "No module of this course has this id.",
                ));
            }
            Some(module)
        }
        _ => None,
    };
    sqlx::query!(
        "update lesson set title = coalesce($3, title), blocks = coalesce($4, blocks),
             module_id = coalesce($5, module_id),
             position = case when $5::uuid is null then position
                        else (select coalesce(max(position) + 1, 0) from lesson where tenant_id = $1 and module_id = $5) end,
             version = version + 1
         where tenant_id = $1 and id = $2",
        caller.tenant_id.as_uuid(),
        id.as_uuid(),
        input.title,
        input.blocks.as_ref().map(|b| json!(b)),
        target_module.map(|m| m.as_uuid()),
    )
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        caller,
        "lesson.updated",
        "lesson",
        id.as_uuid(),
        json!({ "title": input.title, "blocks_changed": input.blocks.is_some(), "moved_to": target_module }),
    )
    .await?;
    let lesson = find_lesson(&mut tx, caller, course, id.as_uuid()).await?;
    tx.commit().await?;
    Ok(lesson)
}

#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn delete_lesson(
    caller: &Caller,
    store: &Store,
    id: LessonId,
) -> Result<(), ServiceError> {
    let (mut tx, _) = edit_lesson(store, caller, id).await?;
    let title = sqlx::query_scalar!(
        "delete from lesson where tenant_id = $1 and id = $2 returning title",
        caller.tenant_id.as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    record(
        &mut tx,
        caller,
        "lesson.deleted",
        "lesson",
        id.as_uuid(),
        json!({ "title": title }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a module's lessons in the order of `ids`, which must name each of them once.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn reorder_lessons(
    caller: &Caller,
    store: &Store,
    module: ModuleId,
    ids: Vec<LessonId>,
) -> Result<Vec<LessonView>, ServiceError> {
    let (mut tx, access) = edit_module(store, caller, module).await?;
    let current: Vec<LessonId> = sqlx::query_scalar!(
        "select id from lesson where tenant_id = $1 and module_id = $2",
        caller.tenant_id.as_uuid(),
        module.as_uuid()
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(LessonId::from_uuid)
    .collect();
    same_set(&ids, &current, "lessons")?;
    let uuids: Vec<Uuid> = ids.iter().map(LessonId::as_uuid).collect();
    sqlx::query!(
        "update lesson l set position = (o.ord - 1)::int
         from unnest($3::uuid[]) with ordinality as o(id, ord)
         where l.tenant_id = $1 and l.module_id = $2 and l.id = o.id",
        caller.tenant_id.as_uuid(),
        module.as_uuid(),
        &uuids
    )
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        caller,
        "lesson.reordered",
        "module",
        module.as_uuid(),
        json!({ "order": ids }),
    )
    .await?;
    let lessons = find_module(&mut tx, caller, &access, module.as_uuid())
        .await?
        .lessons;
    tx.commit().await?;
    Ok(lessons)
}

/// Makes a lesson's content as learners will see it (the tenant's image hosts included), for the
/// editor's live preview.
pub async fn preview(
    caller: &Caller,
    store: &Store,
    blocks: Vec<Block>,
) -> Result<Vec<domain::course::RenderedBlock>, ServiceError> {
    caller.require_teacher()?;
    let blocks = Block::parse_all(blocks).map_err(ServiceError::Validation)?;
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    let images = crate::tenants::image_hosts(&mut tx, caller).await?;
    tx.commit().await?;
    Ok(blocks
        .into_iter()
        .map(|b| super::render::block(b, None, &images))
        .collect())
}

/// Moves a module one place up (`-1`) or down (`1`): the keyboard way to reorder in the editor.
pub async fn shift_module(
    caller: &Caller,
    store: &Store,
    id: ModuleId,
    offset: i32,
) -> Result<Vec<ModuleView>, ServiceError> {
    let module = get_module(caller, store, id).await?;
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    let access = access::load(&mut tx, caller, module.course_id, false).await?;
    let mut order: Vec<ModuleId> = load(&mut tx, caller, &access)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    tx.commit().await?;
    shifted(&mut order, id, offset);
    reorder_modules(caller, store, module.course_id, order).await
}

/// Moves a lesson one place up (`-1`) or down (`1`) within its module.
pub async fn shift_lesson(
    caller: &Caller,
    store: &Store,
    id: LessonId,
    offset: i32,
) -> Result<Vec<LessonView>, ServiceError> {
    let lesson = get_lesson(caller, store, id).await?;
    let module = get_module(caller, store, lesson.module_id).await?;
    let mut order: Vec<LessonId> = module.lessons.iter().map(|l| l.id).collect();
    shifted(&mut order, id, offset);
    reorder_lessons(caller, store, module.id, order).await
}

fn shifted<T: PartialEq>(order: &mut [T], id: T, offset: i32) {
    if let Some(from) = order.iter().position(|x| *x == id) {
        let to = if offset < 0 {
            from.saturating_sub(1)
        } else {
            (from + 1).min(order.len().saturating_sub(1))
        };
        order.swap(from, to);
    }
}
