//! A course's outline: modules in order, lessons in order within them, and each lesson's blocks.
//! Structural changes lock the course row first, so concurrent editors cannot interleave positions;
//! renames and content edits carry the version they were made against.

use domain::course::{self, Block, LessonView, ModuleView};
use domain::id::PublicId;
use domain::{AuditAction, CourseId, LessonId, ModuleId, QuizId};
use serde_json::json;

use super::access::{self, check_version};
use crate::audit;
use crate::db::in_tx;
use crate::db::{new_id, TenantTx};
use crate::ordered::{shifted, Children, LESSONS, MODULES};
use crate::{Caller, ServiceError, Store};
pub use domain::course_input::{LessonForm, LessonInput};

/// Every module of a course with its lessons, in order; lesson content only for a caller whose
/// access reads it (the one rule, [`access::CourseAccess::reads_content`]).
pub async fn load(
    tx: &mut TenantTx,
    access: &access::CourseAccess,
) -> Result<Vec<ModuleView>, ServiceError> {
    let course_id = access.id;
    let modules = sqlx::query!(
        "select id, title, position, version from course_module where tenant_id = $1 and course_id = $2 order by position, id",
        tx.tenant().as_uuid(),
        course_id.as_uuid()
    )
    .fetch_all(&mut **tx)
    .await?;
    let lessons = sqlx::query!(
        "select id, module_id, title, position, version, blocks from lesson where tenant_id = $1 and course_id = $2 order by position, id",
        tx.tenant().as_uuid(),
        course_id.as_uuid()
    )
    .fetch_all(&mut **tx)
    .await?;
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

/// The course that holds a lesson, or not found.
pub(crate) async fn lesson_course(
    tx: &mut TenantTx,
    id: LessonId,
) -> Result<CourseId, ServiceError> {
    LESSONS.course_of(tx, id).await
}

/// Locks a course for a structural edit: visible, editable, and held until the transaction ends.
async fn edit_in(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<access::CourseAccess, ServiceError> {
    tx.caller().require_teacher()?;
    let access = access::load(tx, course, true).await?;
    access.require_edit()?;
    Ok(access)
}

/// Locks for editing the course that holds a child (a module or a lesson).
async fn edit_parent_in<P: PublicId, C: PublicId>(
    tx: &mut TenantTx,
    children: &Children<P, C>,
    child: C,
) -> Result<access::CourseAccess, ServiceError> {
    tx.caller().require_teacher()?;
    let course = children.course_of(tx, child).await?;
    edit_in(tx, course).await
}

pub async fn list_modules(
    caller: &Caller,
    store: &Store,
    course: CourseId,
) -> Result<Vec<ModuleView>, ServiceError> {
    in_tx!(store, caller, |tx| list_modules_in(tx, course))
}

pub async fn list_modules_in(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<ModuleView>, ServiceError> {
    let access = access::load(tx, course, false).await?;
    load(tx, &access).await
}

/// Adds a module at the end of the course.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn add_module(
    caller: &Caller,
    store: &Store,
    course: CourseId,
    title: &str,
) -> Result<ModuleView, ServiceError> {
    in_tx!(store, caller, |tx| add_module_in(tx, course, title))
}

pub async fn add_module_in(
    tx: &mut TenantTx,
    course: CourseId,
    title: &str,
) -> Result<ModuleView, ServiceError> {
    let title = course::item_title("title", title)?;
    let access = edit_in(tx, course).await?;
    let position = MODULES.next_position(tx, course, "title").await?;
    let id = ModuleId::from_uuid(new_id());
    sqlx::query!(
        "insert into course_module (id, tenant_id, course_id, title, position) values ($1, $2, $3, $4, $5)",
        id.as_uuid(),
        tx.tenant().as_uuid(),
        course.as_uuid(),
        title,
        position
    )
    .execute(&mut **tx)
    .await?;
    let data = json!({ "course_id": course, "title": title });
    audit::record_on(tx, AuditAction::ModuleCreated, "module", id.as_uuid(), data).await?;
    find_module(tx, &access, id).await
}

async fn find_module(
    tx: &mut TenantTx,
    access: &access::CourseAccess,
    id: ModuleId,
) -> Result<ModuleView, ServiceError> {
    load(tx, access)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or(ServiceError::NotFound)
}

pub async fn get_module(
    caller: &Caller,
    store: &Store,
    id: ModuleId,
) -> Result<ModuleView, ServiceError> {
    in_tx!(store, caller, |tx| get_module_in(tx, id))
}

pub async fn get_module_in(tx: &mut TenantTx, id: ModuleId) -> Result<ModuleView, ServiceError> {
    let course = MODULES.course_of(tx, id).await?;
    let access = access::load(tx, course, false).await?;
    find_module(tx, &access, id).await
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
    in_tx!(store, caller, |tx| rename_module_in(tx, id, title, version))
}

pub async fn rename_module_in(
    tx: &mut TenantTx,
    id: ModuleId,
    title: &str,
    version: Option<i32>,
) -> Result<ModuleView, ServiceError> {
    let title = course::item_title("title", title)?;
    let access = edit_parent_in(tx, &MODULES, id).await?;
    let current = sqlx::query_scalar!(
        "select version from course_module where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    check_version(version, current, "module")?;
    sqlx::query!(
        "update course_module set title = $3, version = version + 1 where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid(),
        title
    )
    .execute(&mut **tx)
    .await?;
    let data = json!({ "title": title });
    audit::record_on(tx, AuditAction::ModuleRenamed, "module", id.as_uuid(), data).await?;
    find_module(tx, &access, id).await
}

/// Deletes a module with its lessons (and the learners' completions of them).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn delete_module(
    caller: &Caller,
    store: &Store,
    id: ModuleId,
) -> Result<(), ServiceError> {
    in_tx!(store, caller, |tx| delete_module_in(tx, id))
}

pub async fn delete_module_in(tx: &mut TenantTx, id: ModuleId) -> Result<(), ServiceError> {
    edit_parent_in(tx, &MODULES, id).await?;
    let data = json!({ "title": MODULES.delete(tx, id).await? });
    audit::record_on(tx, AuditAction::ModuleDeleted, "module", id.as_uuid(), data).await
}

/// Puts a course's modules in the order of `ids`, which must name each of them once.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn reorder_modules(
    caller: &Caller,
    store: &Store,
    course: CourseId,
    ids: Vec<ModuleId>,
) -> Result<Vec<ModuleView>, ServiceError> {
    in_tx!(store, caller, |tx| reorder_modules_in(tx, course, &ids))
}

pub async fn reorder_modules_in(
    tx: &mut TenantTx,
    course: CourseId,
    ids: &[ModuleId],
) -> Result<Vec<ModuleView>, ServiceError> {
    let access = edit_in(tx, course).await?;
    MODULES.reorder(tx, course, ids).await?;
    let data = json!({ "order": ids });
    let action = AuditAction::ModuleReordered;
    audit::record_on(tx, action, "course", course.as_uuid(), data).await?;
    load(tx, &access).await
}

/// Moves a module one place up (`-1`) or down (`1`): the keyboard way to reorder.
pub async fn shift_module(
    caller: &Caller,
    store: &Store,
    id: ModuleId,
    offset: i32,
) -> Result<Vec<ModuleView>, ServiceError> {
    in_tx!(store, caller, |tx| shift_module_in(tx, id, offset))
}

pub async fn shift_module_in(
    tx: &mut TenantTx,
    id: ModuleId,
    offset: i32,
) -> Result<Vec<ModuleView>, ServiceError> {
    let course = edit_parent_in(tx, &MODULES, id).await?.id;
    let order: Vec<ModuleId> = MODULES.ids(tx, course).await?;
    reorder_modules_in(tx, course, &shifted(order, &id, offset)).await
}

pub async fn list_lessons(
    caller: &Caller,
    store: &Store,
    module: ModuleId,
) -> Result<Vec<LessonView>, ServiceError> {
    Ok(get_module(caller, store, module).await?.lessons)
}

/// Quiz blocks may only name quizzes of the lesson's own course.
async fn check_quizzes(
    tx: &mut TenantTx,
    course: CourseId,
    blocks: &[Block],
) -> Result<(), ServiceError> {
    for (i, block) in blocks.iter().enumerate() {
        if let Block::Quiz { quiz_id } = block {
            if !quiz_in_course(tx, course, *quiz_id).await? {
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
    tx: &mut TenantTx,
    course: CourseId,
    quiz: QuizId,
) -> Result<bool, ServiceError> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from quiz where tenant_id = $1 and course_id = $2 and id = $3) as "found!""#,
        tx.tenant().as_uuid(),
        course.as_uuid(),
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
    in_tx!(store, caller, |tx| add_lesson_in(tx, module, input))
}

pub async fn add_lesson_in(
    tx: &mut TenantTx,
    module: ModuleId,
    input: LessonInput,
) -> Result<LessonView, ServiceError> {
    let Some(title) = input.title else {
        return Err(ServiceError::invalid("title", "The title cannot be empty."));
    };
    let course = edit_parent_in(tx, &MODULES, module).await?.id;
    let blocks = input.blocks.unwrap_or_default();
    check_quizzes(tx, course, &blocks).await?;
    let position = LESSONS.next_position(tx, module, "title").await?;
    let id = LessonId::from_uuid(new_id());
    sqlx::query!(
        "insert into lesson (id, tenant_id, course_id, module_id, title, position, blocks) values ($1, $2, $3, $4, $5, $6, $7)",
        id.as_uuid(),
        tx.tenant().as_uuid(),
        course.as_uuid(),
        module.as_uuid(),
        title,
        position,
        json!(blocks)
    )
    .execute(&mut **tx)
    .await?;
    let data = json!({ "module_id": module, "title": title });
    audit::record_on(tx, AuditAction::LessonCreated, "lesson", id.as_uuid(), data).await?;
    find_lesson(tx, course, id).await
}

async fn find_lesson(
    tx: &mut TenantTx,
    course: CourseId,
    id: LessonId,
) -> Result<LessonView, ServiceError> {
    let r = sqlx::query!(
        "select id, module_id, title, position, version, blocks from lesson where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    Ok(LessonView {
        id: LessonId::from_uuid(r.id),
        module_id: ModuleId::from_uuid(r.module_id),
        course_id: course,
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
    in_tx!(store, caller, |tx| get_lesson_in(tx, id))
}

pub async fn get_lesson_in(tx: &mut TenantTx, id: LessonId) -> Result<LessonView, ServiceError> {
    let course = lesson_course(tx, id).await?;
    let access = access::load(tx, course, false).await?;
    access.require_content()?;
    find_lesson(tx, course, id).await
}

/// Changes a lesson's title, content or module, refused if it changed since `version`.
#[tracing::instrument(skip(store, input), fields(tenant_id = %caller.tenant_id))]
pub async fn update_lesson(
    caller: &Caller,
    store: &Store,
    id: LessonId,
    input: LessonInput,
) -> Result<LessonView, ServiceError> {
    in_tx!(store, caller, |tx| update_lesson_in(tx, id, input))
}

pub async fn update_lesson_in(
    tx: &mut TenantTx,
    id: LessonId,
    input: LessonInput,
) -> Result<LessonView, ServiceError> {
    let course = edit_parent_in(tx, &LESSONS, id).await?.id;
    let current = find_lesson(tx, course, id).await?;
    check_version(input.version, current.version, "lesson")?;
    if let Some(blocks) = &input.blocks {
        check_quizzes(tx, course, blocks).await?;
    }
    let target_module = match input.module_id {
        Some(module) if module != current.module_id => {
            let target_course = MODULES.course_of(tx, module).await;
            if target_course.ok() != Some(course) {
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
        tx.tenant().as_uuid(),
        id.as_uuid(),
        input.title,
        input.blocks.as_ref().map(|b| json!(b)),
        target_module.map(|m| m.as_uuid()),
    )
    .execute(&mut **tx)
    .await?;
    let data = json!({ "title": input.title, "blocks_changed": input.blocks.is_some(), "moved_to": target_module });
    audit::record_on(tx, AuditAction::LessonUpdated, "lesson", id.as_uuid(), data).await?;
    find_lesson(tx, course, id).await
}

#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn delete_lesson(
    caller: &Caller,
    store: &Store,
    id: LessonId,
) -> Result<(), ServiceError> {
    in_tx!(store, caller, |tx| delete_lesson_in(tx, id))
}

pub async fn delete_lesson_in(tx: &mut TenantTx, id: LessonId) -> Result<(), ServiceError> {
    edit_parent_in(tx, &LESSONS, id).await?;
    let data = json!({ "title": LESSONS.delete(tx, id).await? });
    audit::record_on(tx, AuditAction::LessonDeleted, "lesson", id.as_uuid(), data).await
}

/// Puts a module's lessons in the order of `ids`, which must name each of them once.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn reorder_lessons(
    caller: &Caller,
    store: &Store,
    module: ModuleId,
    ids: Vec<LessonId>,
) -> Result<Vec<LessonView>, ServiceError> {
    in_tx!(store, caller, |tx| reorder_lessons_in(tx, module, &ids))
}

pub async fn reorder_lessons_in(
    tx: &mut TenantTx,
    module: ModuleId,
    ids: &[LessonId],
) -> Result<Vec<LessonView>, ServiceError> {
    let access = edit_parent_in(tx, &MODULES, module).await?;
    LESSONS.reorder(tx, module, ids).await?;
    let data = json!({ "order": ids });
    let action = AuditAction::LessonReordered;
    audit::record_on(tx, action, "module", module.as_uuid(), data).await?;
    Ok(find_module(tx, &access, module).await?.lessons)
}

/// Moves a lesson one place up (`-1`) or down (`1`) within its module.
pub async fn shift_lesson(
    caller: &Caller,
    store: &Store,
    id: LessonId,
    offset: i32,
) -> Result<Vec<LessonView>, ServiceError> {
    in_tx!(store, caller, |tx| shift_lesson_in(tx, id, offset))
}

pub async fn shift_lesson_in(
    tx: &mut TenantTx,
    id: LessonId,
    offset: i32,
) -> Result<Vec<LessonView>, ServiceError> {
    tx.caller().require_teacher()?;
    let module = get_lesson_in(tx, id).await?.module_id;
    let order: Vec<LessonId> = LESSONS.ids(tx, module).await?;
    reorder_lessons_in(tx, module, &shifted(order, &id, offset)).await
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
    let mut tx = TenantTx::begin(store, caller).await?;
    let images = crate::tenants::image_hosts(&mut tx).await?;
    tx.commit().await?;
    Ok(blocks
        .into_iter()
        .map(|b| super::render::block(b, None, &images))
        .collect())
}
