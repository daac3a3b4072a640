//! Courses, as far as the foundation needs them: the published catalog on the home page.
//! The courses issue grows this into authoring, publishing and enrolment.

use domain::dto::CourseCard;
use domain::CourseId;

use crate::db::tenant_tx;
use crate::{Caller, ServiceError, Store};

/// The tenant's published courses, newest first.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn published(caller: &Caller, store: &Store) -> Result<Vec<CourseCard>, ServiceError> {
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    let rows = sqlx::query!(
        r#"select c.id, c.title, c.summary,
                  (select count(*) from quiz q where q.tenant_id = c.tenant_id and q.course_id = c.id) as "quiz_count!"
           from course c
           where c.tenant_id = $1 and c.status = 'published'
           order by c.created_at desc, c.id desc
           limit 50"#,
        caller.tenant_id.as_uuid()
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| CourseCard {
            id: CourseId::from_uuid(r.id),
            title: r.title,
            summary: r.summary,
            quiz_count: r.quiz_count,
        })
        .collect())
}
