-- Each segment's mix of next best actions: for every segment (targeted segments and risk x
-- profit cells), action and favourite category, how many of the segment's at-risk customers (a
-- band of var at_risk_bands, those customer_actions holds) get it, their share of the segment's
-- at-risk customers, how many allow offers and their profit at risk (all, and of those who
-- allow offers). What segment_recommendations reads instead of the customers themselves.
with

memberships as (
    select * from {{ ref('segment_memberships') }}
),

actions as (
    select * from {{ ref('customer_actions') }}
),

customers as (
    select * from {{ ref('customer_risk') }}
),

members as (
    select
        memberships.segment_family,
        memberships.segment_name,
        actions.action_code,
        actions.list_name,
        customers.favourite_category,
        customers.profit_at_risk
    from memberships
    inner join actions on memberships.customer_id = actions.customer_id
    inner join customers on memberships.customer_id = customers.customer_id
),

mix as (
    select
        segment_family,
        segment_name,
        action_code,
        favourite_category,
        count(*) as customers,
        count(*) / sum(count(*)) over (partition by segment_family, segment_name)
            as customer_share,
        count(*) filter (where list_name = 'contact') as with_consent,
        sum(profit_at_risk) as profit_at_risk,
        coalesce(sum(profit_at_risk) filter (where list_name = 'contact'), 0)
            as consent_profit_at_risk
    from members
    group by segment_family, segment_name, action_code, favourite_category
)

select * from mix
