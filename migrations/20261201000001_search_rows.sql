-- The planner took lectern_course_search for a function of 1,000 rows (its default), so the
-- query that reads the found courses back joined them by hashing every course of the tenant:
-- 10,000 index entries read for a page of 20, 2.5 ms of a 3.3 ms search that now takes 0.8 ms.
-- It returns one page. A later `create or replace` of the function must say `rows 20` again, or
-- the estimate returns to 1,000.
alter function lectern_course_search(text[], tsquery, bigint, bigint) rows 20;
