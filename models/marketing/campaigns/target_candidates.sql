-- Every scored customer with their top reasons and the targeted segments they belong to: what
-- each target list (retention_targets, site_personalisation_targets) selects its customers from
-- with its own where, before it ranks them. Exact values; the lists round them.
with

customers as (
    select * from {{ ref('customer_risk_reasons') }}
),

memberships as (
    select * from {{ ref('segment_memberships') }}
),

customer_segments as (
    select
        customer_id,
        string_agg(segment_name, ', ' order by segment_name) as segments
    from memberships
    where segment_family = 'targeted'
    group by customer_id
),

candidates as (
    select
        customers.*,
        coalesce(customer_segments.segments, '') as segments
    from customers
    left join customer_segments on customers.customer_id = customer_segments.customer_id
)

select * from candidates
