//! Ordered children of one parent: modules of a course, lessons of a module, questions of a quiz.
//! Each kind is one row of constants; the SQL that appends, lists, reorders and finds a child's
//! parent and course is written once here.
//!
//! The table and column names come only from the constants below, never from input, so the
//! statements are built from fixed text.

use std::marker::PhantomData;

use domain::id::PublicId;
use domain::{CourseId, LessonId, ModuleId, QuestionId, QuizId};
use uuid::Uuid;

use crate::db::TenantTx;
use crate::ServiceError;

/// The children of type `C` ordered under parents of type `P`: the ids are typed up to the bind.
pub(crate) struct Children<P, C> {
    table: &'static str,
    /// The column naming the parent whose children are ordered together.
    parent: &'static str,
    /// The column a deleted child is named by in the audit log.
    label: &'static str,
    /// What the children are called in messages, plural.
    noun: &'static str,
    max: i64,
    full: &'static str,
    ids: PhantomData<(P, C)>,
}

pub(crate) const MODULES: Children<CourseId, ModuleId> = Children {
    table: "course_module",
    parent: "course_id",
    label: "title",
    noun: "modules",
    max: 200,
    full: "A course can hold at most 200 modules.",
    ids: PhantomData,
};

pub(crate) const LESSONS: Children<ModuleId, LessonId> = Children {
    table: "lesson",
    parent: "module_id",
    label: "title",
    noun: "lessons",
    max: 200,
    full: "A module can hold at most 200 lessons.",
    ids: PhantomData,
};

pub(crate) const QUESTIONS: Children<QuizId, QuestionId> = Children {
    table: "quiz_question",
    parent: "quiz_id",
    label: "prompt",
    noun: "questions",
    max: 200,
    full: "A quiz can hold at most 200 questions.",
    ids: PhantomData,
};

impl<P: PublicId, C: PublicId> Children<P, C> {
    /// The course that holds a child (every kind carries `course_id`), or not found.
    pub(crate) async fn course_of(
        &self,
        tx: &mut TenantTx,
        child: C,
    ) -> Result<CourseId, ServiceError> {
        let sql = format!(
            "select course_id from {} where tenant_id = $1 and id = $2",
            self.table
        );
        let course: Option<Uuid> = sqlx::query_scalar(&sql)
            .bind(tx.tenant().as_uuid())
            .bind(child.as_uuid())
            .fetch_optional(&mut **tx)
            .await?;
        course
            .map(CourseId::from_uuid)
            .ok_or(ServiceError::NotFound)
    }

    /// The parent that holds a child, or not found.
    pub(crate) async fn parent_of(&self, tx: &mut TenantTx, child: C) -> Result<P, ServiceError> {
        let sql = format!(
            "select {} from {} where tenant_id = $1 and id = $2",
            self.parent, self.table
        );
        let parent: Option<Uuid> = sqlx::query_scalar(&sql)
            .bind(tx.tenant().as_uuid())
            .bind(child.as_uuid())
            .fetch_optional(&mut **tx)
            .await?;
        parent.map(P::from_uuid).ok_or(ServiceError::NotFound)
    }

    /// Deletes a child (the schema's cascades take what it holds) and answers its label.
    pub(crate) async fn delete(&self, tx: &mut TenantTx, child: C) -> Result<String, ServiceError> {
        let sql = format!(
            "delete from {} where tenant_id = $1 and id = $2 returning {}",
            self.table, self.label
        );
        let title: Option<String> = sqlx::query_scalar(&sql)
            .bind(tx.tenant().as_uuid())
            .bind(child.as_uuid())
            .fetch_optional(&mut **tx)
            .await?;
        title.ok_or(ServiceError::NotFound)
    }

    /// The position after the last child, refused (on `field`) when the parent is full.
    pub(crate) async fn next_position(
        &self,
        tx: &mut TenantTx,
        parent: P,
        field: &str,
    ) -> Result<i32, ServiceError> {
        let sql = format!(
            "select count(*), coalesce(max(position) + 1, 0) from {} where tenant_id = $1 and {} = $2",
            self.table, self.parent
        );
        let (count, next): (i64, i32) = sqlx::query_as(&sql)
            .bind(tx.tenant().as_uuid())
            .bind(parent.as_uuid())
            .fetch_one(&mut **tx)
            .await?;
        if count >= self.max {
            return Err(ServiceError::invalid(field, self.full));
        }
        Ok(next)
    }

    /// The parent's children, in order.
    pub(crate) async fn ids(&self, tx: &mut TenantTx, parent: P) -> Result<Vec<C>, ServiceError> {
        let sql = format!(
            "select id from {} where tenant_id = $1 and {} = $2 order by position, id",
            self.table, self.parent
        );
        let ids: Vec<Uuid> = sqlx::query_scalar(&sql)
            .bind(tx.tenant().as_uuid())
            .bind(parent.as_uuid())
            .fetch_all(&mut **tx)
            .await?;
        Ok(ids.into_iter().map(C::from_uuid).collect())
    }

    /// Puts the parent's children in the order of `order`, which must name each exactly once.
    pub(crate) async fn reorder(
        &self,
        tx: &mut TenantTx,
        parent: P,
        order: &[C],
    ) -> Result<(), ServiceError> {
        let current = self.ids(tx, parent).await?;
        self.same_set(order, &current)?;
        let uuids: Vec<Uuid> = order.iter().map(C::as_uuid).collect();
        let sql = format!(
            "update {} t set position = (o.ord - 1)::int
             from unnest($3::uuid[]) with ordinality as o(id, ord)
             where t.tenant_id = $1 and t.{} = $2 and t.id = o.id",
            self.table, self.parent
        );
        sqlx::query(&sql)
            .bind(tx.tenant().as_uuid())
            .bind(parent.as_uuid())
            .bind(&uuids)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    fn same_set(&self, order: &[C], current: &[C]) -> Result<(), ServiceError> {
        let complete = order.len() == current.len()
            && current
                .iter()
                .all(|c| order.iter().filter(|i| *i == c).count() == 1);
        if complete {
            Ok(())
        } else {
            Err(ServiceError::invalid(
                "ids",
                &format!(
                    "List each of the {} {} exactly once, in the new order (someone may have added or removed one: reload).",
                    current.len(),
                    self.noun
                ),
            ))
        }
    }
}

/// `order` with `id` moved one place up (`offset < 0`) or down: the keyboard way to reorder.
pub(crate) fn shifted<T: PartialEq>(mut order: Vec<T>, id: &T, offset: i32) -> Vec<T> {
    if let Some(from) = order.iter().position(|x| x == id) {
        let to = if offset < 0 {
            from.saturating_sub(1)
        } else {
            (from + 1).min(order.len().saturating_sub(1))
        };
        order.swap(from, to);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::shifted;

    #[test]
    fn shifting_moves_one_place_and_stops_at_the_ends() {
        assert_eq!(shifted(vec![1, 2, 3], &2, -1), vec![2, 1, 3]);
        assert_eq!(shifted(vec![1, 2, 3], &2, 1), vec![1, 3, 2]);
        assert_eq!(shifted(vec![1, 2, 3], &1, -1), vec![1, 2, 3]);
        assert_eq!(shifted(vec![1, 2, 3], &3, 1), vec![1, 2, 3]);
        assert_eq!(shifted(vec![1, 2, 3], &9, 1), vec![1, 2, 3]);
    }
}
