//! A learner's side of a course: its page with their enrolment and progress, lesson pages,
//! marking lessons complete, and "My courses".

use domain::course::{LearnerCourseView, LessonGateView, LessonPage, LessonPageView, MyCourse};
use domain::{CourseId, CoverColor, EnrollmentId, EnrollmentStatus, LessonId, QuizId, UserId};

use crate::courses::{access, fetch_view, outline, render};
use crate::db::in_tx;
use crate::db::TenantTx;
use crate::{enrollments, tenants, Caller, ServiceError, Store};

fn me(caller: &Caller) -> Result<UserId, ServiceError> {
    caller.user_id.ok_or(ServiceError::Forbidden)
}

async fn enrollment_id(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Option<EnrollmentId>, ServiceError> {
    let id = sqlx::query_scalar!(
        "select id from enrollment where tenant_id = $1 and course_id = $2 and user_id = $3",
        tx.tenant().as_uuid(),
        course.as_uuid(),
        tx.caller().user_id.map(|u| u.as_uuid())
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id.map(EnrollmentId::from_uuid))
}

async fn completed(tx: &mut TenantTx, course: CourseId) -> Result<Vec<LessonId>, ServiceError> {
    Ok(sqlx::query_scalar!(
        "select lesson_id from lesson_completion where tenant_id = $1 and user_id = $2 and course_id = $3",
        tx.tenant().as_uuid(),
        tx.caller().user_id.map(|u| u.as_uuid()),
        course.as_uuid()
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(LessonId::from_uuid)
    .collect())
}

/// A course's page: outline, the caller's enrolment and completed lessons, and whether they edit it.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn course(
    caller: &Caller,
    store: &Store,
    id: CourseId,
) -> Result<LearnerCourseView, ServiceError> {
    in_tx!(store, caller, |tx| course_in(tx, id))
}

pub async fn course_in(tx: &mut TenantTx, id: CourseId) -> Result<LearnerCourseView, ServiceError> {
    let access = access::load(tx, id, false).await?;
    let mut view = fetch_view(tx, id).await?;
    view.modules = Some(outline::load(tx, &access).await?);
    let enrollment = match enrollment_id(tx, id).await? {
        Some(e) => Some(enrollments::fetch(tx, e).await?),
        None => None,
    };
    let completed_lessons = completed(tx, id).await?;
    Ok(LearnerCourseView {
        course: view,
        enrollment,
        completed_lessons,
        can_edit: access.can_edit,
    })
}

/// One lesson as its learner reads it. Students need an enrolment; editors and teachers may read
/// any lesson of a course they can see. A student who sees the course but has not joined it gets
/// the way in instead of the content.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn lesson(
    caller: &Caller,
    store: &Store,
    id: LessonId,
) -> Result<LessonPage, ServiceError> {
    in_tx!(store, caller, |tx| lesson_in(tx, id))
}

pub async fn lesson_in(tx: &mut TenantTx, id: LessonId) -> Result<LessonPage, ServiceError> {
    let course = outline::lesson_course(tx, id).await?;
    let access = access::load(tx, course, false).await?;
    if !access.reads_content() {
        let lesson_title = sqlx::query_scalar!(
            "select title from lesson where tenant_id = $1 and id = $2",
            tx.tenant().as_uuid(),
            id.as_uuid()
        )
        .fetch_one(&mut **tx)
        .await?;
        return Ok(LessonPage::NeedsEnrollment(LessonGateView {
            course_id: course,
            course_title: access.title.clone(),
            lesson_title,
            can_self_enroll: access.can_self_enroll(),
        }));
    }
    let modules = outline::load(tx, &access).await?;
    let order: Vec<(&str, &domain::course::LessonView)> = modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(move |l| (m.title.as_str(), l)))
        .collect();
    let index = order
        .iter()
        .position(|(_, l)| l.id == id)
        .ok_or(ServiceError::NotFound)?;
    let (module_title, lesson) = order[index];
    let done = completed(tx, course).await?;
    let images = tenants::image_hosts(tx).await?;
    let content = lesson.blocks.as_deref().unwrap_or_default();
    let mut blocks = Vec::with_capacity(content.len());
    for block in content.iter().cloned() {
        let quiz_title = match &block {
            domain::course::Block::Quiz { quiz_id } => quiz_title(tx, *quiz_id).await?,
            _ => None,
        };
        blocks.push(render::block(block, quiz_title, &images));
    }
    let page = LessonPageView {
        course_id: course,
        course_title: access.title.clone(),
        module_title: module_title.to_string(),
        lesson_id: id,
        title: lesson.title.clone(),
        blocks,
        completed: done.contains(&id),
        enrolled: access.is_learner(),
        previous: index.checked_sub(1).map(|i| order[i].1.id),
        next: order.get(index + 1).map(|(_, l)| l.id),
        completed_lessons: i64::try_from(done.len()).unwrap_or(0),
        total_lessons: i64::try_from(order.len()).unwrap_or(0),
    };
    Ok(LessonPage::Open(page))
}

async fn quiz_title(tx: &mut TenantTx, quiz: QuizId) -> Result<Option<String>, ServiceError> {
    Ok(sqlx::query_scalar!(
        "select title from quiz where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        quiz.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Marks a lesson complete for the caller, who must be enrolled. Completing the last lesson (with
/// every required quiz passed) completes the enrolment and writes `enrollment.completed`. Marking
/// twice changes nothing.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn complete_lesson(
    caller: &Caller,
    store: &Store,
    id: LessonId,
) -> Result<domain::course::EnrollmentView, ServiceError> {
    in_tx!(store, caller, |tx| complete_lesson_in(tx, id))
}

pub async fn complete_lesson_in(
    tx: &mut TenantTx,
    id: LessonId,
) -> Result<domain::course::EnrollmentView, ServiceError> {
    let user = me(tx.caller())?;
    let course = outline::lesson_course(tx, id).await?;
    let access = access::load(tx, course, false).await?;
    if !access.is_learner() {
        return Err(if tx.caller().role.can_teach() {
            ServiceError::invalid("lesson_id", "Enrol in the course to record your progress.")
        } else {
            ServiceError::NotFound
        });
    }
    // Lock the enrolment first, and count in a later statement (a fresh snapshot): two last
    // lessons completed at once then complete the course exactly once.
    let enrollment = sqlx::query!(
        "select id, status from enrollment where tenant_id = $1 and course_id = $2 and user_id = $3 for update",
        tx.tenant().as_uuid(),
        course.as_uuid(),
        user.as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    let now = tx.now();
    sqlx::query!(
        "insert into lesson_completion (tenant_id, user_id, lesson_id, course_id, completed_at)
         values ($1, $2, $3, $4, $5) on conflict do nothing",
        tx.tenant().as_uuid(),
        user.as_uuid(),
        id.as_uuid(),
        course.as_uuid(),
        now
    )
    .execute(&mut **tx)
    .await?;
    crate::completion::settle_in(tx, course, user).await?;
    enrollments::fetch(tx, EnrollmentId::from_uuid(enrollment.id)).await
}

/// The caller's courses (not withdrawn), most recently enrolled first, with progress.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn my_courses(caller: &Caller, store: &Store) -> Result<Vec<MyCourse>, ServiceError> {
    in_tx!(store, caller, |tx| my_courses_in(tx))
}

pub async fn my_courses_in(tx: &mut TenantTx) -> Result<Vec<MyCourse>, ServiceError> {
    let user = me(tx.caller())?;
    let rows = sqlx::query!(
        r#"select c.id, c.title, c.cover_color, e.status,
                  (select count(*) from lesson_completion lc where lc.tenant_id = e.tenant_id and lc.user_id = e.user_id and lc.course_id = c.id) as "done!",
                  (select count(*) from lesson l where l.tenant_id = c.tenant_id and l.course_id = c.id) as "total!"
           from enrollment e join course c on c.tenant_id = e.tenant_id and c.id = e.course_id
           where e.tenant_id = $1 and e.user_id = $2 and e.status <> 'withdrawn' and c.status <> 'draft'
           order by e.enrolled_at desc, e.id desc
           limit 200"#,
        tx.tenant().as_uuid(),
        user.as_uuid()
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(MyCourse {
                course_id: CourseId::from_uuid(r.id),
                title: r.title,
                cover_color: CoverColor::parse("cover_color", &r.cover_color)?,
                status: EnrollmentStatus::parse("status", &r.status)?,
                completed_lessons: r.done,
                total_lessons: r.total,
            })
        })
        .collect()
}
