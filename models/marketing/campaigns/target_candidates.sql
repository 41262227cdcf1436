-- Every scored customer with their top reasons and the targeted segments they belong to, as
-- codes and in words («вне целевых сегментов» for a customer in none): what each list
-- (contact_list, site_list) and customer_actions select their customers from with their own
-- where. Exact values; the lists round them.
with

customers as (
    select * from {{ ref('customer_risk_reasons') }}
),

memberships as (
    select * from {{ ref('segment_memberships') }}
),

segment_labels as (
    select * from {{ ref('segment_labels') }}
),

no_segment as (
    select * from segment_labels
    where not is_targeted
),

customer_segments as (
    select
        memberships.customer_id,
        string_agg(memberships.segment_name, ', ' order by memberships.segment_name) as segments,
        string_agg(segment_labels.words_ru, '; ' order by memberships.segment_name)
            as segments_ru,
        string_agg(segment_labels.words_en, '; ' order by memberships.segment_name)
            as segments_en
    from memberships
    inner join segment_labels on memberships.segment_name = segment_labels.segment_name
    where memberships.segment_family = 'targeted'
    group by memberships.customer_id
),

candidates as (
    select
        customers.*,
        coalesce(customer_segments.segments, no_segment.segment_name) as segments,
        coalesce(customer_segments.segments_ru, no_segment.words_ru) as segments_ru,
        coalesce(customer_segments.segments_en, no_segment.words_en) as segments_en
    from customers
    cross join no_segment
    left join customer_segments on customers.customer_id = customer_segments.customer_id
)

select * from candidates
